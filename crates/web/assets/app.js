// Keeps SLA countdowns live. Pages work without it: the server renders the same text and
// colour at the time of the request. Markup:
// <time class="countdown" datetime="<deadline RFC 3339>" data-warn="<RFC 3339>">…</time>
(function () {
  "use strict";
  var ko = document.documentElement.lang === "ko";
  function fmt(secs) {
    var total = Math.round(Math.abs(secs) / 60);
    var d = Math.floor(total / 1440), h = Math.floor(total / 60) % 24, m = total % 60;
    var s;
    if (ko) {
      s = d > 0 ? d + "일 " + h + "시간" : h > 0 ? h + "시간 " + m + "분" : m + "분";
      return s + (secs >= 0 ? " 남음" : " 초과");
    }
    s = d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + (m < 10 ? "0" : "") + m + " min" : m + " min";
    return s + (secs >= 0 ? " left" : " overdue");
  }
  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll("time.countdown[datetime]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) continue;
      var warn = Date.parse(el.getAttribute("data-warn") || "");
      var secs = (due - now) / 1000;
      el.textContent = fmt(secs);
      el.classList.toggle("breached", secs < 0);
      el.classList.toggle("at-risk", secs >= 0 && !isNaN(warn) && now >= warn);
    }
  }
  tick();
  setInterval(tick, 15000);
})();
