/* mlxguard dashboard: draws each chart into its pre-sized box with uPlot.
   Data come from the JSON element; text is set with textContent only. */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("mlxguard-data").textContent);
  window.charts = [];
  function col(rows, key) { return rows.map(function (r) { return r[key]; }); }
  function fmt(v) { return v == null ? "—" : Number(v).toPrecision(4); }

  charts.forEach(function (c, index) {
    var box = document.querySelector('[data-chart="' + index + '"]');
    var readout = document.querySelector('[data-readout="' + index + '"]');
    var rows = c.rows;
    var x = rows.map(function (_, i) { return i; });
    var cp = rows.map(function (r) { return r.change ? r.median : null; });
    var data = [x, col(rows, "median"), col(rows, "hi"), col(rows, "lo"),
                col(rows, "band_hi"), col(rows, "band_lo"), cp];
    var hidden = { show: false };
    var u = new uPlot({
      width: box.clientWidth, height: box.clientHeight,
      legend: { show: false },
      // Room on the right for half of the last run's label ("12-05 16:49"), which is centred on
      // the last point: without it the label is cut at the chart's edge.
      padding: [null, 48, null, null],
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      scales: { x: { time: false } },
      axes: [
        { values: function (_, ticks) {
            // "#3\n12-05 14:03": the run's index and its start, so runs of one day differ
            return ticks.map(function (t) { var r = rows[t]; return r && t === Math.round(t) ? "#" + (t + 1) + "\n" + r.tick : ""; });
          }, size: 44, space: 96 },  // ticks at least a label apart: no label runs into the next
        { label: c.unit, size: 56 }
      ],
      series: [
        {},
        { label: "median", stroke: "#1f6fd1", width: 2, points: { show: true, size: 7, fill: "#1f6fd1" } },
        { label: "interval high", stroke: "transparent", points: hidden },
        { label: "interval low", stroke: "transparent", points: hidden },
        { label: "band high", stroke: "transparent", points: hidden },
        { label: "band low", stroke: "transparent", points: hidden },
        { label: "change point", stroke: "#d62728", width: 0, paths: function () { return null; },
          points: { show: true, size: 14, width: 3, fill: "rgba(214,39,40,.15)", stroke: "#d62728" } }
      ],
      bands: [
        { series: [2, 3], fill: "rgba(31,111,209,.25)" },
        { series: [4, 5], fill: "rgba(120,120,120,.2)" }
      ],
      hooks: {
        // A step beyond the tolerance from the run before: a triangle pointing the way it went
        // (a shape, not a colour alone), outlined so it reads on any background.
        draw: [function (u) {
          var ctx = u.ctx, s = 7 * devicePixelRatio;
          rows.forEach(function (r, i) {
            if (!r.moved) { return; }
            var px = u.valToPos(i, "x", true), py = u.valToPos(r.median, "y", true);
            var tip = py - r.moved * 2.6 * s, base = py - r.moved * 1.2 * s;
            ctx.beginPath();
            ctx.moveTo(px, tip); ctx.lineTo(px - s, base); ctx.lineTo(px + s, base); ctx.closePath();
            ctx.fillStyle = "#1b1f24"; ctx.fill();
          });
        }],
        setCursor: [function (u) {
          var i = u.cursor.idx, r = rows[i];
          readout.textContent = r == null ? "\u00a0" :
            r.date + "  " + fmt(r.median) + " " + c.unit + "  [" + fmt(r.lo) + ", " + fmt(r.hi) + "]  " +
            (r.sha || "") + "  " + r.step + (r.change ? "  change point" : "");
        }]
      }
    }, data, box);
    u.over.addEventListener("click", function () {
      var r = rows[u.cursor.idx];
      if (r && r.url) window.location.href = r.url;
    });
    new ResizeObserver(function () {
      if (box.clientWidth && box.clientWidth !== u.width) {
        u.setSize({ width: box.clientWidth, height: box.clientHeight });
      }
    }).observe(box);
    window.charts.push(u);
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
