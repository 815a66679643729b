"""A citizen's Open311 service request as the tests post it: a pit in a road in Barnaul."""

API_KEY = "open311-key-for-tests"
PIT = {
    "api_key": API_KEY,
    "jurisdiction_id": "altai-krai",
    "service_code": "roads",
    "lat": "53.3481",
    "long": "83.7798",
    "address_string": "Барнаул, ул. Попова, 105",
    "description": "Огромная яма на проезжей части, провал асфальта",
    "first_name": "Анна",
    "last_name": "Кравцова",
    "email": "anna@example.ru",
}
