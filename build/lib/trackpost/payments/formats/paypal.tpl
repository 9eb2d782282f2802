### header
### entry_header
### entry
{if $affiliate.Payvia.PayPal_Email}{$affiliate.Payvia.PayPal_Email|tsv}{else}{$email|tsv}{/if}	{$total}	{$payvia.currency|default:"USD"|tsv}	TP{$paymentid}	Affiliate payout {$entry.start_nice|tsv} to {$entry.end_nice|tsv}
### entry_footer
### footer
