<?php
$curl = curl_init();

$data = array(
    'customer_id' => 191,
);

$url = 'http://domain/api/customer/lock';

$headers = array(
    'api-key: 44b5498dbcb481a0d00b404c0169af62',
    'api-username: tf_admin'
);
curl_setopt($curl, CURLOPT_CUSTOMREQUEST, "PATCH");
curl_setopt($curl, CURLOPT_HTTPHEADER, $headers);
curl_setopt($curl, CURLOPT_RETURNTRANSFER, true);
curl_setopt($curl, CURLOPT_POSTFIELDS, http_build_query($data));
curl_setopt($curl, CURLOPT_URL, $url);

$resp = curl_exec($curl);
//dumps an associative array representation of the json
var_dump(json_decode($resp, true));
// Close request to clear up some resources
curl_close($curl);
?>
