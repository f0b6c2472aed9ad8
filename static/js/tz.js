// Remember the browser's time zone in a cookie, so the portal shows RFP deadlines in local time.
// A static file rather than an inline script: the Content Security Policy allows no inline code.
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + tz) === -1) {
      document.cookie = "tz=" + tz + "; path=/portal/; SameSite=Lax";
    }
  } catch (e) {}
})();
