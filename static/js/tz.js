// Remember the browser's time zone in a cookie, so pages show times in local time (the portal's
// RFP deadlines, the admin's contract timeline).
// A static file rather than an inline script: the Content Security Policy allows no inline code.
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + tz) === -1) {
      document.cookie = "tz=" + tz + "; path=/; SameSite=Lax";
    }
  } catch (e) {}
})();
