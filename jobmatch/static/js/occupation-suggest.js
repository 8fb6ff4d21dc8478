// Live occupation suggestions on the posting form: as the title is typed, ask
// /api/v1/occupations/suggest for the top 5 CSCO codes and redraw the choices.
(function () {
  "use strict";
  var list = document.getElementById("csco-suggestions");
  var title = document.getElementById("title");
  if (!list || !title) { return; }
  var url = list.getAttribute("data-url");
  var timer = null;
  var asked = 0;

  function render(results) {
    var picked = list.querySelector("input[name=csco_pick]:checked");
    var keep = picked ? picked.value : null;
    list.textContent = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = "填写岗位名称后显示推荐";
      list.appendChild(empty);
      return;
    }
    results.forEach(function (r) {
      var li = document.createElement("li");
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "csco_pick";
      input.value = r.code;
      input.checked = r.code === keep;
      var code = document.createElement("span");
      code.className = "mono";
      code.textContent = r.code;
      var score = document.createElement("span");
      score.className = "muted small";
      score.textContent = Math.round(r.score * 100) + "%";
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(code);
      label.appendChild(document.createTextNode(" " + r.name + " "));
      label.appendChild(score);
      li.appendChild(label);
      list.appendChild(li);
    });
  }

  function ask() {
    var text = title.value.trim();
    var ticket = ++asked;
    if (!text) { render([]); return; }
    fetch(url + "?title=" + encodeURIComponent(text), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (ticket === asked) { render(data.results || []); } })
      .catch(function () { /* offline or signed out: keep the server-side suggestions */ });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
}());
