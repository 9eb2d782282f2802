### header
Pay To,Amount,Period Start,Period End,Username,Email,Address 1,Address 2,City,State,Zip Code,Country
### entry_header
### entry
{$pay_to|csv},{$total},{$entry.start_nice|csv},{$entry.end_nice|csv},{$username|csv},{$email|csv},{$address1|csv},{$address2|csv},{$city|csv},{$state|csv},{$zip_code|csv},{$country|csv}
### entry_footer
### footer
