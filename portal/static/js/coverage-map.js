// The coverage map: sites as circle markers coloured by status, shaped by kind, grouped in
// numbered clusters where they would pile up (programme zoom). Without tiles (offline,
// blocked) the markers still show on the plain background.
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
    // The view is set once, before the clusters form (a second fit would animate and
    // redraw them): the sites', else Morocco's, southern provinces included.
    var map = L.map(element, { preferCanvas: false });
    if (markers.length) {
      var sites = L.latLngBounds(markers.map(function (site) { return [site.lat, site.lng]; }));
      map.fitBounds(sites, { padding: [30, 30], maxZoom: 15 });
    } else {
      map.fitBounds([[20.7, -17.1], [35.95, -1.0]]);
    }
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
    var clusterLabel = element.getAttribute("data-cluster-label") || "%(count)s";
    var layer = L.markerClusterGroup({
      // Wide groups at country zoom, only markers that would touch inside a city.
      maxClusterRadius: function (zoom) {
        return zoom < 10 ? 40 : 16;
      },
      showCoverageOnHover: false,
      // Inside a city the sites are apart enough: show each one.
      disableClusteringAtZoom: 14,
      iconCreateFunction: function (cluster) {
        var count = cluster.getChildCount();
        var html = document.createElement("span");
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = clusterLabel.replace("%(count)s", String(count));
        var shown = document.createElement("span");
        shown.setAttribute("aria-hidden", "true");
        shown.textContent = String(count);
        html.appendChild(hidden);
        html.appendChild(shown);
        // Enter on a focused cluster zooms into it, as a click does (the plug-in's own).
        return L.divIcon({ html: html, className: "site-cluster", iconSize: L.point(36, 36) });
      }
    });
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
      // A keyboard reaches each marker (Tab) and opens its card (Enter or Space); the list
      // of sites stays the full alternative. The cluster adds and removes the marker's
      // element as the zoom changes, so it is set up each time it is drawn.
      marker.on("add", function () {
        var path = marker.getElement();
        if (!path || path.hasAttribute("tabindex")) {
          return;
        }
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "button");
        path.setAttribute("aria-label", site.name + " — " + site.label);
        path.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            marker.openPopup();
          }
        });
      });
      layer.addLayer(marker);
    });
    map.addLayer(layer);
    // What exists before the plan (the diagnostic): fibre and ducts as lines, the rest as
    // small squares, under the sites; the diagnostic's list is their full alternative.
    var existing = document.getElementById("coverage-infrastructure");
    var items = existing ? JSON.parse(existing.textContent) : [];
    items.forEach(function (item) {
      var shape = item.path
        ? L.polyline(item.path, { color: "#2d3748", weight: 3, dashArray: "6 4", className: "infra-line" })
        : L.circleMarker([item.lat, item.lng], {
            radius: 4, weight: 1, color: "#2d3748", fillColor: "#2d3748", fillOpacity: 0.8,
            className: "infra-point"
          });
      var tooltip = document.createElement("span");
      tooltip.textContent = item.name;
      shape.bindTooltip(tooltip);
      shape.addTo(map);
    });
    element.setAttribute("data-ready", String(markers.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
