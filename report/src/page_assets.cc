#include "page_assets.h"

namespace bayestune::report_internal {

const std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'";

const std::string_view kReportStyle = R"css(
:root{--ok:#4e79a7;--stop:#f28e2b;--fail:#e15759;--inf:#8c7b6b;--run:#59a14f;--req:#bab0ac;
--best:#1d1d1f;--text:#1f2328;--muted:#5b6573;--line:#e3e6ea;--bg:#f5f6f8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--text);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:22px 28px 40px}
header h1{font-size:25px;margin:0 0 2px;word-break:break-word}
header .kicker{color:var(--muted);font-size:12px;letter-spacing:.06em;text-transform:uppercase;margin:0}
.sub{color:var(--muted);margin:2px 0 14px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 12px}
.card{background:#fff;border:1px solid var(--line);border-left:4px solid #c9ced6;border-radius:8px;
padding:7px 14px 8px;min-width:112px}
.card b{display:block;font-size:20px;font-variant-numeric:tabular-nums;line-height:1.25}
.card span{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.05em}
.card small{color:var(--muted)}
.card.ok{border-left-color:var(--ok)}.card.stop{border-left-color:var(--stop)}
.card.fail{border-left-color:var(--fail)}.card.inf{border-left-color:var(--inf)}
.card.run{border-left-color:var(--run)}.card.best{border-left-color:var(--best)}
nav{margin:4px 0 0;font-size:13px}
nav a{margin-right:14px;color:#2f5f93;text-decoration:none;white-space:nowrap}
nav a:hover{text-decoration:underline}
.banner{background:#fff8e6;border:1px solid #f3dca2;border-radius:8px;padding:8px 14px;margin:12px 0 0;
font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px 16px;
margin:16px 0}
h2{font-size:18px;margin:0 0 4px}
.note{color:var(--muted);margin:0 0 6px;font-size:13px;max-width:900px}
.empty{color:var(--muted);font-style:italic;margin:10px 0 4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12.5px;color:#374151;margin:4px 0 6px}
.legend span{display:inline-flex;align-items:center;gap:6px}
svg.chart{width:100%;height:auto;display:block;overflow:visible}
svg text{font-size:11px;fill:#4b5563}
svg text.title{font-size:12px;fill:#1f2328;font-weight:600}
svg text.hint{font-size:10.5px;fill:#7b8591;font-style:italic}
svg text.label{font-size:12px;fill:#1f2328}
svg text.value{font-size:11.5px;fill:#1f2328;font-variant-numeric:tabular-nums}
svg text.best-label{font-size:11.5px;fill:var(--best);font-weight:600;paint-order:stroke;stroke:#fff;
stroke-width:3px}
.ax line{stroke:#9aa3ad}.grid line{stroke:#eceef1}
.ok{fill:var(--ok)}.stop{fill:var(--stop)}.run{fill:var(--run)}.req{fill:var(--req)}
path.fail,path.inf{fill:none;stroke-width:1.8}path.fail{stroke:var(--fail)}path.inf{stroke:var(--inf)}
.pts circle,.pts path{fill-opacity:.85}
.many .pts circle,.many .pts path{fill-opacity:.55}
.best-line{fill:none;stroke:var(--best);stroke-width:2}
rect.strip{fill:#fbf3f3}
.pc path{fill:none;stroke-width:1.2;stroke-opacity:.75}
.many .pc path{stroke-width:.8;stroke-opacity:.35}
.pc-ax line{stroke:#6b7280;stroke-width:1.2}
.pc-ax text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.pc-ax text.cat-label{stroke:none;fill:#1f2328}
svg text.dup-count{font-size:10.5px;fill:#1f2328;font-weight:600}
.best-ring{fill:none;stroke:var(--best);stroke-width:1.8}
.slices{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:6px 18px}
figure{margin:0}
.lc polyline,line.lc-ok,line.lc-stop,line.lc-fail,line.lc-run,line.best-curve{fill:none;
stroke-width:1.3;stroke-opacity:.6}
.lc-ok{stroke:var(--ok)}.lc-stop{stroke:var(--stop)}.lc-fail{stroke:var(--fail)}
.lc-inf{stroke:var(--inf)}.lc-run{stroke:var(--run)}.lc-req{stroke:var(--req)}
.lc circle.dot{stroke:none;fill-opacity:.8}
.lc circle.lc-ok{fill:var(--ok)}.lc circle.lc-stop{fill:var(--stop)}.lc circle.lc-fail{fill:var(--fail)}
.lc circle.lc-run{fill:var(--run)}.lc circle.lc-inf{fill:var(--inf)}
.many .lc polyline{stroke-width:1;stroke-opacity:.4}
.many .lc polyline.best-curve{stroke-width:2.4;stroke-opacity:1}
polyline.best-curve,line.best-curve{stroke:var(--best);stroke-width:2.4;stroke-opacity:1}
circle.best-curve{fill:var(--best)}
line.rung{stroke:#8c959f;stroke-width:1;stroke-dasharray:4 3}text.rung-label{font-size:10px;fill:#57606a}
rect.imp{fill:var(--ok)}
rect.lane{fill:#f6f7f9}
rect.bar{stroke:#fff;stroke-width:.6}
rect.bar.ok{fill:var(--ok)}rect.bar.stop{fill:var(--stop)}rect.bar.fail{fill:var(--fail)}
rect.bar.inf{fill:var(--inf)}rect.bar.run{fill:var(--run)}rect.bar.req{fill:var(--req)}
rect.bar.over{stroke:none}
rect.bar.open{fill-opacity:.55;stroke:var(--run);stroke-dasharray:3 2}
rect.busy{fill:var(--ok);fill-opacity:.8}
.hl{stroke:#111 !important;stroke-width:2.6px !important;stroke-opacity:1 !important;
fill-opacity:1 !important}
tr.hl{background:#fff3c4 !important}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 10px;text-align:left;border-bottom:1px solid #eceef1;vertical-align:top}
thead th{background:#f3f5f7;font-weight:600;color:#374151;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr:hover{background:#eef4fb}
table.kv th{width:1%;white-space:nowrap;font-weight:600;color:#374151;background:none}
.two{display:grid;grid-template-columns:fit-content(40%) minmax(0,1fr);gap:18px;align-items:start}
.two>*{min-width:0}
table.kv td,td.values{overflow-wrap:anywhere}
@media (max-width:800px){.two{grid-template-columns:minmax(0,1fr)}}
.badge{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;margin-left:4px;
vertical-align:1px}
.badge.stop{background:#fde6cf;color:#8a4b0f}
details summary{cursor:pointer}
pre{background:#f6f8fa;padding:10px;border-radius:6px;overflow:auto;font-size:12px;max-height:360px;
white-space:pre-wrap;word-break:break-word}
.tip{position:fixed;pointer-events:none;background:rgba(22,26,33,.94);color:#fff;font-size:12px;
padding:6px 10px;border-radius:6px;max-width:380px;display:none;z-index:10;white-space:pre-wrap;
line-height:1.4}
footer{color:var(--muted);font-size:12px;margin-top:20px}
)css";

const std::string_view kReportScript = R"js(
(function () {
  var source = document.getElementById('trial-data');
  var data = source ? JSON.parse(source.textContent) : {};
  var tip = document.createElement('div');
  tip.className = 'tip';
  document.body.appendChild(tip);
  var lit = [];
  function unlight() {
    lit.forEach(function (e) { e.classList.remove('hl'); });
    lit = [];
  }
  document.addEventListener('mouseover', function (event) {
    var target = event.target.closest ? event.target.closest('[data-trial]') : null;
    if (!target) { tip.style.display = 'none'; unlight(); return; }
    var id = target.getAttribute('data-trial');
    var lines = data[id];
    if (!lines) return;
    unlight();
    document.querySelectorAll('[data-trial="' + id + '"]').forEach(function (e) {
      e.classList.add('hl');
      lit.push(e);
    });
    tip.textContent = lines.join('\n');
    tip.style.display = 'block';
  });
  document.addEventListener('mousemove', function (event) {
    if (tip.style.display !== 'block') return;
    var x = event.clientX + 14, y = event.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = event.clientX - tip.offsetWidth - 14;
    if (y + tip.offsetHeight > window.innerHeight - 8) y = event.clientY - tip.offsetHeight - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
  document.documentElement.setAttribute('data-report-script', 'ready');
})();
)js";

}  // namespace bayestune::report_internal
