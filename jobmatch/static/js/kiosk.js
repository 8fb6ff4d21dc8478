/* Kiosk behaviour: on-screen keypads, read-aloud, printing, and the idle timeout.
   No inline scripts (the Content-Security-Policy forbids them); everything is bound here. */
(function () {
  "use strict";
  var body = document.body;

  /* --- back button: a page restored from the back/forward cache is fetched again --- */
  window.addEventListener("pageshow", function (e) { if (e.persisted) { window.location.reload(); } });

  /* --- keypads: each step fills one hidden input --- */
  function setupSteps(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
    function show(i) {
      steps.forEach(function (s, k) { s.hidden = k !== i; });
      var h = steps[i].querySelector("h1");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }
    steps.forEach(function (step, i) {
      var field = step.dataset.field;
      var length = parseInt(step.dataset.length || "0", 10);
      var input = field ? step.querySelector("input[name='" + field + "']") : null;
      var display = step.querySelector("[data-display]");
      var count = step.querySelector("[data-count]");
      var go = step.querySelector("[data-next]") || step.querySelector("[data-submit]");
      function render() {
        if (!input) { return; }
        var v = input.value;
        var groups = field === "id_number" ? [6, 8, 4] : (field === "phone" ? [3, 4, 4] : [v.length]);
        var out = [], at = 0;
        groups.forEach(function (n) { if (at < v.length) { out.push(v.substr(at, n)); at += n; } });
        display.textContent = out.join(" ");
        if (count) { count.textContent = String(v.length); }
        if (go) { go.disabled = v.length !== length; }
        step.querySelectorAll("[data-key='X']").forEach(function (x) { x.disabled = v.length !== 17; });
      }
      step.addEventListener("click", function (e) {
        var key = e.target.closest("[data-key]");
        if (key && input && input.value.length < length) { input.value += key.dataset.key; render(); return; }
        if (e.target.closest("[data-del]") && input) { input.value = input.value.slice(0, -1); render(); return; }
        if (e.target.closest("[data-clear]") && input) { input.value = ""; render(); return; }
        if (e.target.closest("[data-next]")) { show(i + 1); return; }
        if (e.target.closest("[data-prev]")) { show(i - 1); }
      });
      render();
    });
  }
  document.querySelectorAll("form.steps").forEach(setupSteps);

  /* --- read aloud with the browser's speech synthesis; buttons stay hidden without a Chinese voice --- */
  var synth = window.speechSynthesis;
  function chineseVoice() {
    if (!synth || typeof synth.getVoices !== "function") { return null; }
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (lang.indexOf("zh") === 0 || lang.indexOf("cmn") === 0) { return voices[i]; }
    }
    return null;
  }
  function updateSpeakButtons() {
    var ok = !!chineseVoice();
    document.querySelectorAll("[data-speak]").forEach(function (b) { b.hidden = !ok; });
  }
  updateSpeakButtons();
  if (synth && "onvoiceschanged" in synth) { synth.addEventListener("voiceschanged", updateSpeakButtons); }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-speak]");
    if (!b) { return; }
    var voice = chineseVoice();
    if (!voice) { return; }
    synth.cancel();
    var u = new window.SpeechSynthesisUtterance(b.dataset.speak);
    u.lang = voice.lang || "zh-CN";
    u.voice = voice;
    u.rate = 0.85;
    synth.speak(u);
  });

  /* --- print --- */
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { window.print(); }
  });

  /* --- idle timeout: idle → countdown → back to the start screen, visit ended on the server --- */
  var idleSeconds = parseInt(body.dataset.idle || "90", 10);
  var countdownSeconds = parseInt(body.dataset.countdown || "10", 10);
  var hasVisit = body.dataset.visit === "1";
  var isStart = body.classList.contains("page-start");
  var overlay = document.getElementById("idle-overlay");
  var secondsEl = document.getElementById("idle-seconds");
  var idleTimer = null, tickTimer = null, left = 0;

  function finish() {
    if (synth) { synth.cancel(); }
    var form = document.getElementById("end-form");
    if (hasVisit && form) { form.submit(); } else { window.location.replace(body.dataset.home); }
  }
  function tick() {
    left -= 1;
    secondsEl.textContent = String(Math.max(left, 0));
    if (left <= 0) { clearInterval(tickTimer); finish(); }
  }
  function startCountdown() {
    left = countdownSeconds;
    secondsEl.textContent = String(left);
    overlay.hidden = false;
    document.getElementById("idle-stay").focus();
    tickTimer = setInterval(tick, 1000);
  }
  var lastPing = Date.now();
  function ping() {
    /* the server ends a visit idle for longer than idle + countdown: tell it the screen is in use */
    if (!hasVisit || Date.now() - lastPing < Math.max(5, idleSeconds / 3) * 1000) { return; }
    lastPing = Date.now();
    if (window.fetch) { window.fetch(body.dataset.ping, {method: "POST", credentials: "same-origin"}).catch(function () {}); }
  }
  function resetIdle() {
    if (!overlay || !overlay.hidden) { return; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(startCountdown, idleSeconds * 1000);
    ping();
  }
  if (overlay && !isStart) {
    document.getElementById("idle-stay").addEventListener("click", function () {
      clearInterval(tickTimer);
      overlay.hidden = true;
      resetIdle();
    });
    ["pointerdown", "touchstart", "keydown", "scroll"].forEach(function (ev) {
      window.addEventListener(ev, resetIdle, { passive: true });
    });
    resetIdle();
  }
  body.dataset.ready = "1";
}());
