### header
101 {$payvia.destination_routing|digits|zpad:9}{$payvia.origin_id|digits|lpad:10}{$date_yymmdd}{$time_hhmm}A094101{$payvia.destination_name|ascii|upper|pad:23}{$payvia.origin_name|ascii|upper|pad:23}{$payvia.reference|ascii|pad:8}
5220{$payvia.company_name|ascii|upper|pad:16}{$payvia.discretionary|ascii|upper|pad:20}{$payvia.company_id|ascii|upper|pad:10}PPDPAYOUT    {$date_yymmdd}{$date_yymmdd}   1{$payvia.odfi_routing|digits|zpad:8}0000001
### entry_header
### entry
6{if $affiliate.Payvia.Account_Type|lower == "savings"}32{else}22{/if}{$affiliate.Payvia.Routing_Number|digits|zpad:9}{$affiliate.Payvia.Account_Number|ascii|pad:17}{$total_cents|zpad:10}{$loginid|pad:15}{$pay_to|ascii|upper|pad:22}  0{$payvia.odfi_routing|digits|zpad:8}{$paymentid|zpad:7}
### entry_footer
### footer
8220{$count|zpad:6}{$nacha.entry_hash}000000000000{$total_cents|zpad:12}{$payvia.company_id|ascii|upper|pad:10}                         {$payvia.odfi_routing|digits|zpad:8}0000001
9000001{$nacha.block_count|zpad:6}{$count|zpad:8}{$nacha.entry_hash}000000000000{$total_cents|zpad:12}                                       
{$nacha.filler}