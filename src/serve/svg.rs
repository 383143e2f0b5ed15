//! Charts drawn by the server as inline SVG: an entity's timeline as bars, and a
//! co-occurrence neighbourhood laid out by a small force simulation (deterministic:
//! the same network always gives the same picture).

use maud::{html, Markup};

use super::url;
use crate::model::EntityId;
use crate::query::{Network, TimelineRow};

/// Width and height of the timeline chart, in SVG units.
const CHART: (f64, f64) = (760.0, 200.0);
/// Room for the axis labels.
const MARGIN: (f64, f64, f64) = (40.0, 10.0, 28.0); // left, top, bottom

/// The timeline as a bar chart of articles per period, each bar titled with its
/// period and counts; the first and last periods and the highest count labelled.
pub(super) fn timeline(rows: &[TimelineRow]) -> Markup {
    let (w, h) = CHART;
    let (left, top, bottom) = MARGIN;
    let plot_w = w - left - 8.0;
    let plot_h = h - top - bottom;
    let max = rows.iter().map(|r| r.articles).max().unwrap_or(0).max(1);
    let step = plot_w / rows.len().max(1) as f64;
    // A few periods get bars of a readable width, centred, each labelled.
    let bar = (step * 0.8).clamp(1.0, 48.0);
    let labelled = rows.len() <= 12;
    html! {
        svg class="timeline" viewBox={"0 0 " (w) " " (h)} role="img"
            aria-label="articles per period" xmlns="http://www.w3.org/2000/svg" {
            line x1=(left) y1=(top + plot_h) x2=(w - 8.0) y2=(top + plot_h) class="axis" {}
            line x1=(left) y1=(top) x2=(left) y2=(top + plot_h) class="axis" {}
            text x=(left - 4.0) y=(top + 10.0) text-anchor="end" class="label" { (max) }
            text x=(left - 4.0) y=(top + plot_h) text-anchor="end" class="label" { "0" }
            @for (i, r) in rows.iter().enumerate() {
                @let bh = plot_h * r.articles as f64 / max as f64;
                rect x=(fmt(left + i as f64 * step + (step - bar) / 2.0)) y=(fmt(top + plot_h - bh))
                    width=(fmt(bar)) height=(fmt(bh)) class="bar" {
                    title { (r.period) ": " (r.articles) " articles, " (r.mentions) " mentions" }
                }
            }
            @if labelled {
                @for (i, r) in rows.iter().enumerate() {
                    text x=(fmt(left + (i as f64 + 0.5) * step)) y=(h - 8.0) text-anchor="middle" class="label" { (r.period) }
                }
            } @else if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
                text x=(left) y=(h - 8.0) class="label" { (first.period) }
                @if rows.len() > 1 {
                    text x=(w - 8.0) y=(h - 8.0) text-anchor="end" class="label" { (last.period) }
                }
            }
        }
    }
}

/// A coordinate with two decimals: enough for a screen, and short.
fn fmt(x: f64) -> String {
    format!("{x:.2}")
}

/// Size of the network drawing, in SVG units.
const GRAPH: (f64, f64) = (900.0, 600.0);

/// Positions for the nodes of `net` (in its order) in a `GRAPH`-sized box:
/// Fruchterman-Reingold from a circle, `centre` pinned in the middle.
pub(super) fn layout(net: &Network, centre: EntityId) -> Vec<(f64, f64)> {
    let n = net.nodes.len();
    let (w, h) = GRAPH;
    let index = |id: EntityId| net.nodes.iter().position(|x| x.id == id);
    let pinned = index(centre);
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n.max(1) as f64 * std::f64::consts::TAU;
            (w / 2.0 + 0.35 * w * a.cos(), h / 2.0 + 0.35 * h * a.sin())
        })
        .collect();
    if let Some(c) = pinned {
        pos[c] = (w / 2.0, h / 2.0);
    }
    let edges: Vec<(usize, usize)> = net
        .edges
        .iter()
        .filter_map(|e| Some((index(e.source)?, index(e.target)?)))
        .collect();
    let k = (w * h / n.max(1) as f64).sqrt() * 0.6;
    let mut heat = w / 10.0;
    for _ in 0..300 {
        let mut shift = vec![(0.0f64, 0.0f64); n];
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d = (dx * dx + dy * dy).sqrt().max(0.01);
                let f = k * k / d;
                shift[i].0 += dx / d * f;
                shift[i].1 += dy / d * f;
                shift[j].0 -= dx / d * f;
                shift[j].1 -= dy / d * f;
            }
        }
        for &(a, b) in &edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(0.01);
            let f = d * d / k;
            shift[a].0 -= dx / d * f;
            shift[a].1 -= dy / d * f;
            shift[b].0 += dx / d * f;
            shift[b].1 += dy / d * f;
        }
        for i in 0..n {
            if Some(i) == pinned {
                continue;
            }
            let (dx, dy) = shift[i];
            let d = (dx * dx + dy * dy).sqrt().max(0.01);
            let step = d.min(heat);
            pos[i].0 = (pos[i].0 + dx / d * step).clamp(60.0, w - 60.0);
            pos[i].1 = (pos[i].1 + dy / d * step).clamp(24.0, h - 24.0);
        }
        heat = (heat * 0.97).max(1.0);
    }
    let middle = pinned.map_or((w / 2.0, h / 2.0), |c| pos[c]);
    spread(&mut pos, middle);
    pos
}

/// Stretches the drawing about `centre` until its farthest nodes reach the margins:
/// the forces settle on a compact shape, and the room is there for the labels.
fn spread(pos: &mut [(f64, f64)], centre: (f64, f64)) {
    let (w, h) = GRAPH;
    let reach = |axis: fn(&(f64, f64)) -> f64, c: f64| {
        pos.iter()
            .map(|p| (axis(p) - c).abs())
            .fold(0.0f64, f64::max)
    };
    let (rx, ry) = (reach(|p| p.0, centre.0), reach(|p| p.1, centre.1));
    let sx = if rx > 1.0 { (w / 2.0 - 90.0) / rx } else { 1.0 };
    let sy = if ry > 1.0 { (h / 2.0 - 30.0) / ry } else { 1.0 };
    for p in pos.iter_mut() {
        p.0 = w / 2.0 + (p.0 - centre.0) * sx;
        p.1 = h / 2.0 + (p.1 - centre.1) * sy;
    }
}

/// The neighbourhood drawn: edges as lines as thick as their counts, nodes as
/// circles as large as their mentions and coloured by kind, each a link to the
/// entity's network with its name as a label and a title with its counts.
pub(super) fn network(net: &Network, centre: EntityId, level: &str, min: u64) -> Markup {
    let (w, h) = GRAPH;
    let pos = layout(net, centre);
    let max_mentions = net
        .nodes
        .iter()
        .map(|n| n.mentions)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let max_count = net.edges.iter().map(|e| e.count).max().unwrap_or(1).max(1) as f64;
    let at = |id: EntityId| {
        net.nodes
            .iter()
            .position(|n| n.id == id)
            .map(|i| pos[i])
            .unwrap_or((0.0, 0.0))
    };
    let name = |id: EntityId| {
        net.nodes
            .iter()
            .find(|n| n.id == id)
            .map_or("", |n| n.name.as_str())
    };
    html! {
        svg class="network" viewBox={"0 0 " (w) " " (h)} role="img" xmlns="http://www.w3.org/2000/svg"
            aria-label="co-occurrence network" {
            g class="edges" {
                @for e in &net.edges {
                    @let (a, b) = (at(e.source), at(e.target));
                    line x1=(fmt(a.0)) y1=(fmt(a.1)) x2=(fmt(b.0)) y2=(fmt(b.1))
                        stroke-width=(fmt(1.0 + 5.0 * e.count as f64 / max_count))
                        data-a=(e.source.0) data-b=(e.target.0) {
                        title { (name(e.source)) " – " (name(e.target)) ": " (e.count) " "
                            (level) "s, PMI " (format!("{:.2}", e.pmi)) }
                    }
                }
            }
            g class="nodes" {
                @for (node, p) in net.nodes.iter().zip(&pos) {
                    @let r = 5.0 + 15.0 * (node.mentions as f64 / max_mentions).sqrt();
                    a href=(url::link("/network", &[("entity", &node.id.0.to_string()),
                        ("level", level), ("min", &min.to_string())])) data-id=(node.id.0) {
                        circle cx=(fmt(p.0)) cy=(fmt(p.1)) r=(fmt(r))
                            class={"node " (node.kind) @if node.id == centre { " centre" }} {
                            title { (node.name) " (" (node.kind) "): " (node.mentions) " mentions" }
                        }
                        text x=(fmt(p.0)) y=(fmt(p.1 - r - 3.0)) text-anchor=(anchor(p.0)) class="name" {
                            (short(&node.name))
                        }
                    }
                }
            }
        }
    }
}

/// Labels longer than this are cut (the node's title has the whole name).
const LABEL_CHARS: usize = 24;

fn short(name: &str) -> String {
    if name.chars().count() <= LABEL_CHARS {
        name.to_string()
    } else {
        let cut: String = name.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Labels near a side grow away from it, so that none is cut by the frame.
fn anchor(x: f64) -> &'static str {
    if x > GRAPH.0 - 160.0 {
        "end"
    } else if x < 160.0 {
        "start"
    } else {
        "middle"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityKind;
    use crate::query::{Edge, Level, Node};

    fn star(n: i64) -> Network {
        Network {
            level: Level::Sentence,
            nodes: (1..=n)
                .map(|i| Node {
                    id: EntityId(i),
                    name: format!("<n{i}>"),
                    kind: EntityKind::Person,
                    mentions: i,
                })
                .collect(),
            edges: (2..=n)
                .map(|i| Edge {
                    source: EntityId(1),
                    target: EntityId(i),
                    count: i,
                    pmi: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_layout_pins_the_centre_keeps_nodes_inside_and_apart() {
        let net = star(12);
        let pos = layout(&net, EntityId(1));
        assert_eq!(pos[0], (GRAPH.0 / 2.0, GRAPH.1 / 2.0));
        for (i, p) in pos.iter().enumerate() {
            assert!(p.0 >= 0.0 && p.0 <= GRAPH.0 && p.1 >= 0.0 && p.1 <= GRAPH.1);
            for q in &pos[i + 1..] {
                assert!(((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt() > 10.0);
            }
        }
        assert_eq!(pos, layout(&net, EntityId(1)), "deterministic");
    }

    #[test]
    fn the_drawing_escapes_names_and_links_each_node() {
        let svg = network(&star(3), EntityId(1), "sentence", 2).into_string();
        assert!(svg.contains("&lt;n2&gt;") && !svg.contains("<n2>"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<line").count(), 2);
        assert!(svg.contains("href=\"/network?entity=3&amp;level=sentence&amp;min=2\""));
    }

    #[test]
    fn long_labels_are_cut_and_side_labels_grow_inwards() {
        assert_eq!(short("Bush"), "Bush");
        assert_eq!(
            short("High Speed Downlink Packet Access"),
            "High Speed Downlink Pac…"
        );
        assert_eq!(anchor(GRAPH.0 - 60.0), "end");
        assert_eq!(anchor(60.0), "start");
        assert_eq!(anchor(GRAPH.0 / 2.0), "middle");
    }

    #[test]
    fn the_timeline_has_a_bar_per_period() {
        let rows: Vec<TimelineRow> = ["2019-01", "2019-02", "2019-03"]
            .iter()
            .enumerate()
            .map(|(i, p)| TimelineRow {
                period: p.to_string(),
                mentions: 2 * i as i64,
                articles: i as i64,
            })
            .collect();
        let svg = timeline(&rows).into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("2019-01") && svg.contains("2019-03"));
        assert!(timeline(&[]).into_string().starts_with("<svg"));
    }
}
