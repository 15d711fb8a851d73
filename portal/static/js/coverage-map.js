// The coverage map: sites as circle markers coloured by status, shaped by kind. Without
// tiles (offline, blocked) the markers still show on the plain background.
(function () {
  "use strict";

  var COLOURS = {
    proposed: "#718096",
    assessed: "#6b46c1",
    selected: "#2b6cb0",
    rejected: "#b42318",
    in_deployment: "#c05621",
    open: "#2f855a",
    closed: "#1a202c"
  };

  function start() {
    var element = document.getElementById("coverage-map");
    var data = document.getElementById("coverage-markers");
    if (!element || !data || typeof L === "undefined") {
      return;
    }
    var markers = JSON.parse(data.textContent);
    // Morocco, southern provinces included, until the sites say where to look.
    var map = L.map(element, { preferCanvas: false }).fitBounds([[20.7, -17.1], [35.95, -1.0]]);
    var tiles = element.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        // The portal sends no Referer by default; tile servers such as OpenStreetMap's
        // refuse requests without one.
        referrerPolicy: "strict-origin-when-cross-origin",
        attribution: element.getAttribute("data-attribution") || ""
      }).addTo(map);
    }
    var layer = L.featureGroup().addTo(map);
    markers.forEach(function (site) {
      var marker = L.circleMarker([site.lat, site.lng], {
        radius: site.kind === "digital_space" ? 9 : 6,
        weight: site.kind === "digital_space" ? 3 : 2,
        color: "#ffffff",
        fillColor: COLOURS[site.status] || "#718096",
        fillOpacity: 0.9,
        className: "site-marker site-" + site.status + " site-kind-" + site.kind
      });
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = site.url;
      link.textContent = site.name;
      var details = document.createElement("p");
      details.textContent = site.city + ", " + site.district + " — " + site.label;
      popup.appendChild(link);
      popup.appendChild(details);
      marker.bindPopup(popup);
      // Leaflet puts a string tooltip in as HTML: give it text.
      var tooltip = document.createElement("span");
      tooltip.textContent = site.name;
      marker.bindTooltip(tooltip);
      marker.addTo(layer);
      // A keyboard reaches each marker (Tab) and opens its card (Enter or Space); the list
      // of sites stays the full alternative.
      var path = marker.getElement();
      if (path) {
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "button");
        path.setAttribute("aria-label", site.name + " — " + site.label);
        path.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            marker.openPopup();
          }
        });
      }
    });
    if (markers.length) {
      map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 15 });
    }
    element.setAttribute("data-ready", String(markers.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
