// The live preview's only script: reload the page when the server has finished a build since it was made.
(function () {
  "use strict";
  var me = document.currentScript;
  var since = me.getAttribute("data-generation");
  var source = new EventSource(me.getAttribute("data-events") + "?since=" + encodeURIComponent(since));
  source.addEventListener("reload", function () {
    source.close();
    window.location.reload();
  });
})();
