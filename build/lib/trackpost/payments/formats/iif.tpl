### header
!TRNS	TRNSTYPE	DATE	ACCNT	NAME	AMOUNT	DOCNUM	MEMO
!SPL	TRNSTYPE	DATE	ACCNT	NAME	AMOUNT	DOCNUM	MEMO
!ENDTRNS
### entry_header
### entry
TRNS	CHECK	{$date_us}	{$payvia.bank_account|default:"Checking"|iif}	{$pay_to|iif}	-{$total}	TP{$paymentid}	Affiliate payout {$entry.start_nice|iif} to {$entry.end_nice|iif}
SPL	CHECK	{$date_us}	{$payvia.expense_account|default:"Affiliate Commissions"|iif}	{$pay_to|iif}	{$total}	TP{$paymentid}	{$username|iif}
ENDTRNS
### entry_footer
### footer
