var request = require('request');

data = {
    'customer_id': 191,
}

var options = {
    url: 'http://domain/api/customer/lock',
    method: 'PATCH',
    form: data,
    json: true,
    headers: {
        'api-key': '44b5498dbcb481a0d00b404c0169af62',
        'api-username': 'tf_admin'
    }
};

function callback(error, response, body) {
    if (!error && response.statusCode == 200) {
        console.log(body);
    }
    else{
        console.log(body);
    }

}

request(options, callback);
