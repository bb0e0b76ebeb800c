// Times on a page: each <time class="local-time" datetime="..."> says its moment in UTC; this
// adds the reader's own local time in front of it, in the page's language. Without
// JavaScript the UTC text stays as it is.
(function () {
  "use strict";
  var language = document.documentElement.lang || undefined;
  var format;
  try {
    // (dateStyle and timeStyle cannot be combined with timeZoneName: fields one by one.)
    format = new Intl.DateTimeFormat(language, {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (error) {
    return;
  }
  document.querySelectorAll("time.local-time[datetime]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime()) || element.dataset.utc) return;
    element.dataset.utc = element.textContent;
    element.textContent = format.format(moment) + " (" + element.dataset.utc + ")";
  });
})();
