// The «Принять» link of an alert e-mail: a person who opened it meant to accept, so the form is sent at once.
(function () {
  var form = document.getElementById("accept-form");
  if (form && form.dataset.auto === "1") {
    form.querySelector("button").disabled = true;
    form.submit();
  }
})();
