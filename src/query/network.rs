//! The co-occurrence network of the whole store: entities as nodes (name, kind,
//! mentions), pairs named in the same sentence, paragraph or article as undirected
//! edges (shared units and PMI), written as GEXF (Gephi), GraphML (Cytoscape,
//! networkx, yEd) or two CSV files (nodes, edges).
//!
//! Counts and PMI are those of `newsdb cooccur` (see [`super::cooccur`]): a unit is
//! an article, an (article, field, paragraph) or an (article, field, sentence), and
//! `PMI = log2(n(a,b) * N / (n(a) * n(b)))` in bits over the `N` units holding any
//! mention.

use std::collections::BTreeSet;
use std::io::Write;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::cooccur::{pmi, Level};
use crate::error::{Error, Result};
use crate::model::{EntityId, EntityKind};

/// What [`network`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkOptions {
    /// The unit two entities must share to be linked.
    pub level: Level,
    /// The fewest shared units an edge needs (1 keeps every pair).
    pub min_count: u64,
    /// Only entities of this kind (both ends of every edge).
    pub kind: Option<EntityKind>,
}

/// An entity of the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Row id of the entity.
    pub id: EntityId,
    /// Its canonical name.
    pub name: String,
    /// Its kind.
    pub kind: EntityKind,
    /// Its mentions in the whole store.
    pub mentions: i64,
}

/// Two entities sharing units (`source < target`; the network is undirected).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// The entity with the smaller id.
    pub source: EntityId,
    /// The other one.
    pub target: EntityId,
    /// Units (sentences, paragraphs or articles) holding both.
    pub count: i64,
    /// Pointwise mutual information in bits over the units of the level.
    pub pmi: f64,
}

/// The network: every entity that has at least one edge, and the edges, in id order.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Network {
    /// The level the edges count.
    pub level: Level,
    /// Entities, by id.
    pub nodes: Vec<Node>,
    /// Pairs, by source then target.
    pub edges: Vec<Edge>,
}

/// Per level: each pair (`a < b`) with at least `?1` shared units whose entities are
/// both of kind `?2` (any kind when NULL), its count and both entities' own units.
/// Sentence level reads the pair counts of `sentence_pairs` (migration V5).
const SQL_SENTENCE_EDGES: &str = "SELECT p.entity_id, p.other_id, p.sentences,
        COALESCE(ua.units, 0), COALESCE(ub.units, 0)
    FROM sentence_pairs p
    JOIN entities ea ON ea.id = p.entity_id
    JOIN entities eb ON eb.id = p.other_id
    LEFT JOIN entity_units ua ON ua.entity_id = p.entity_id AND ua.level = 'sentence'
    LEFT JOIN entity_units ub ON ub.entity_id = p.other_id AND ub.level = 'sentence'
    WHERE p.entity_id < p.other_id AND p.sentences >= ?1
      AND (?2 IS NULL OR (ea.kind = ?2 AND eb.kind = ?2))
    ORDER BY p.entity_id, p.other_id";
/// Paragraph level reads the pair counts of `paragraph_pairs` (V13).
const SQL_PARAGRAPH_EDGES: &str = "SELECT p.entity_id, p.other_id, p.paragraphs,
        COALESCE(ua.units, 0), COALESCE(ub.units, 0)
    FROM paragraph_pairs p
    JOIN entities ea ON ea.id = p.entity_id
    JOIN entities eb ON eb.id = p.other_id
    LEFT JOIN entity_units ua ON ua.entity_id = p.entity_id AND ua.level = 'paragraph'
    LEFT JOIN entity_units ub ON ub.entity_id = p.other_id AND ub.level = 'paragraph'
    WHERE p.entity_id < p.other_id AND p.paragraphs >= ?1
      AND (?2 IS NULL OR (ea.kind = ?2 AND eb.kind = ?2))
    ORDER BY p.entity_id, p.other_id";
const SQL_ARTICLE_EDGES: &str = "WITH u AS (
        SELECT DISTINCT m.article_id, m.entity_id
        FROM mentions m JOIN entities e ON e.id = m.entity_id
        WHERE ?2 IS NULL OR e.kind = ?2),
    pairs AS (
        SELECT a.entity_id AS a, b.entity_id AS b, COUNT(*) AS n FROM u a
        JOIN u b ON b.article_id = a.article_id AND b.entity_id > a.entity_id
        GROUP BY a.entity_id, b.entity_id)
    SELECT p.a, p.b, p.n, COALESCE(ua.units, 0), COALESCE(ub.units, 0) FROM pairs p
    LEFT JOIN entity_units ua ON ua.entity_id = p.a AND ua.level = 'article'
    LEFT JOIN entity_units ub ON ub.entity_id = p.b AND ub.level = 'article'
    WHERE p.n >= ?1
    ORDER BY p.a, p.b";
const SQL_TOTAL: &str = "SELECT units FROM unit_totals WHERE level = ?1";
const SQL_NODE: &str = "SELECT e.name, e.kind, COALESCE(c.mentions, 0) FROM entities e
    LEFT JOIN entity_mentions c ON c.entity_id = e.id WHERE e.id = ?1";

/// The co-occurrence network at `opts.level`: the pairs of entities sharing at least
/// `opts.min_count` units (of `opts.kind` only, when given) and the entities they
/// link (an entity without any such pair is left out).
pub fn network(conn: &Connection, opts: &NetworkOptions) -> Result<Network> {
    let sql = match opts.level {
        Level::Sentence => SQL_SENTENCE_EDGES,
        Level::Paragraph => SQL_PARAGRAPH_EDGES,
        Level::Article => SQL_ARTICLE_EDGES,
    };
    let total: i64 = conn
        .prepare_cached(SQL_TOTAL)?
        .query_row([opts.level.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let min = i64::try_from(opts.min_count.max(1)).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(sql)?;
    let edges: Vec<Edge> = stmt
        .query_map(params![min, opts.kind], |r| {
            let count: i64 = r.get(2)?;
            Ok(Edge {
                source: r.get(0)?,
                target: r.get(1)?,
                count,
                pmi: pmi(count, r.get(3)?, r.get(4)?, total),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let ids: BTreeSet<EntityId> = edges.iter().flat_map(|e| [e.source, e.target]).collect();
    Ok(Network {
        level: opts.level,
        nodes: nodes(conn, ids)?,
        edges,
    })
}

/// The nodes for `ids`, in id order.
fn nodes(conn: &Connection, ids: BTreeSet<EntityId>) -> Result<Vec<Node>> {
    let mut node = conn.prepare_cached(SQL_NODE)?;
    ids.into_iter()
        .map(|id| {
            node.query_row([id], |r| {
                Ok(Node {
                    id,
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    mentions: r.get(2)?,
                })
            })
            .map_err(Error::from)
        })
        .collect()
}

/// The co-occurrence neighbourhood of `entity`: it and the (at most `max_partners`)
/// entities sharing at least `opts.min_count` units with it at `opts.level` (the most
/// associated first, as [`super::cooccurrences`] ranks them; of `opts.kind` only,
/// when given), and every edge among those entities with at least `opts.min_count`
/// shared units. Counts and PMI are those of the whole store's [`network`].
pub fn neighbourhood(
    conn: &Connection,
    entity: EntityId,
    opts: &NetworkOptions,
    max_partners: usize,
) -> Result<Network> {
    let min = i64::try_from(opts.min_count.max(1)).unwrap_or(i64::MAX);
    let keep = |c: &super::Cooccurrence| c.count >= min && opts.kind.is_none_or(|k| k == c.kind);
    // Partners below the count cut come last, so a limit past them is enough.
    let partners: Vec<super::Cooccurrence> = super::cooccurrences(
        conn,
        entity,
        opts.level,
        max_partners.saturating_mul(4).max(50),
    )?
    .into_iter()
    .filter(|c| keep(c))
    .take(max_partners)
    .collect();
    let mut ids: BTreeSet<EntityId> = partners.iter().map(|c| c.entity_id).collect();
    let mut edges: Vec<Edge> = partners
        .iter()
        .map(|c| Edge {
            source: entity.min(c.entity_id),
            target: entity.max(c.entity_id),
            count: c.count,
            pmi: c.pmi,
        })
        .collect();
    for &a in &ids {
        for c in super::cooccurrences(conn, a, opts.level, ids.len().saturating_mul(8).max(100))? {
            if a < c.entity_id
                && c.entity_id != entity
                && ids.contains(&c.entity_id)
                && c.count >= min
            {
                edges.push(Edge {
                    source: a,
                    target: c.entity_id,
                    count: c.count,
                    pmi: c.pmi,
                });
            }
        }
    }
    edges.sort_by_key(|e| (e.source, e.target));
    ids.insert(entity);
    Ok(Network {
        level: opts.level,
        nodes: nodes(conn, ids)?,
        edges,
    })
}

/// A graph file format for [`write_network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// GEXF 1.3 (Gephi).
    Gexf,
    /// GraphML (Cytoscape, networkx, yEd, igraph).
    Graphml,
}

/// `text` fit for XML character data and attribute values: `&`, `<`, `>`, `"` and `'`
/// written as entities, and the characters XML 1.0 does not allow at all (control
/// characters other than tab, newline and carriage return; U+FFFE, U+FFFF) replaced
/// with U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A PMI as XML and CSV write it: finite always (a missing count gives 0).
fn number(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        "0".to_string()
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io("<network export>", e)
}

/// Writes `net` as a GEXF or GraphML document.
pub fn write_network(net: &Network, format: GraphFormat, out: &mut dyn Write) -> Result<()> {
    match format {
        GraphFormat::Gexf => write_gexf(net, out).map_err(io),
        GraphFormat::Graphml => write_graphml(net, out).map_err(io),
    }
}

fn write_gexf(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#)?;
    writeln!(
        out,
        "  <meta><creator>newsdb</creator><description>entities named in the same {} \
         (edge weight: shared {}s)</description></meta>",
        net.level, net.level
    )?;
    writeln!(
        out,
        r#"  <graph defaultedgetype="undirected" mode="static">"#
    )?;
    writeln!(out, r#"    <attributes class="node">"#)?;
    writeln!(
        out,
        r#"      <attribute id="kind" title="kind" type="string"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="mentions" title="mentions" type="long"/>"#
    )?;
    writeln!(out, "    </attributes>")?;
    writeln!(out, r#"    <attributes class="edge">"#)?;
    writeln!(
        out,
        r#"      <attribute id="count" title="count" type="long"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="pmi" title="pmi" type="double"/>"#
    )?;
    writeln!(out, "    </attributes>")?;
    writeln!(out, "    <nodes>")?;
    for n in &net.nodes {
        writeln!(
            out,
            r#"      <node id="{}" label="{}"><attvalues><attvalue for="kind" value="{}"/><attvalue for="mentions" value="{}"/></attvalues></node>"#,
            n.id.0,
            xml_escape(&n.name),
            n.kind,
            n.mentions
        )?;
    }
    writeln!(out, "    </nodes>")?;
    writeln!(out, "    <edges>")?;
    for (i, e) in net.edges.iter().enumerate() {
        writeln!(
            out,
            r#"      <edge id="{i}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="count" value="{}"/><attvalue for="pmi" value="{}"/></attvalues></edge>"#,
            e.source.0,
            e.target.0,
            e.count,
            e.count,
            number(e.pmi)
        )?;
    }
    writeln!(out, "    </edges>")?;
    writeln!(out, "  </graph>")?;
    writeln!(out, "</gexf>")
}

fn write_graphml(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (id, domain, kind) in [
        ("name", "node", "string"),
        ("kind", "node", "string"),
        ("mentions", "node", "long"),
        ("count", "edge", "long"),
        ("pmi", "edge", "double"),
    ] {
        writeln!(
            out,
            r#"  <key id="{id}" for="{domain}" attr.name="{id}" attr.type="{kind}"/>"#
        )?;
    }
    writeln!(
        out,
        r#"  <graph id="newsdb-{}" edgedefault="undirected">"#,
        net.level
    )?;
    for n in &net.nodes {
        writeln!(
            out,
            r#"    <node id="n{}"><data key="name">{}</data><data key="kind">{}</data><data key="mentions">{}</data></node>"#,
            n.id.0,
            xml_escape(&n.name),
            n.kind,
            n.mentions
        )?;
    }
    for e in &net.edges {
        writeln!(
            out,
            r#"    <edge source="n{}" target="n{}"><data key="count">{}</data><data key="pmi">{}</data></edge>"#,
            e.source.0,
            e.target.0,
            e.count,
            number(e.pmi)
        )?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

/// Writes `net` as two CSV files with a header row: `nodes` (`id`, `name`, `kind`,
/// `mentions`) and `edges` (`source`, `target`, `count`, `pmi`; ids of `nodes`).
pub fn write_network_csv(
    net: &Network,
    nodes: &mut dyn Write,
    edges: &mut dyn Write,
) -> Result<()> {
    let csv = |e: csv::Error| Error::InvalidArgument(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(nodes);
    w.write_record(["id", "name", "kind", "mentions"])
        .map_err(csv)?;
    for n in &net.nodes {
        w.write_record([
            n.id.0.to_string(),
            n.name.clone(),
            n.kind.to_string(),
            n.mentions.to_string(),
        ])
        .map_err(csv)?;
    }
    w.flush().map_err(io)?;
    let mut w = csv::Writer::from_writer(edges);
    w.write_record(["source", "target", "count", "pmi"])
        .map_err(csv)?;
    for e in &net.edges {
        w.write_record([
            e.source.0.to_string(),
            e.target.0.to_string(),
            e.count.to_string(),
            number(e.pmi),
        ])
        .map_err(csv)?;
    }
    w.flush().map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn names_are_escaped_for_xml() {
        assert_eq!(
            xml_escape("AT&T <\"Q\"> O'Brien\u{1}\u{FFFF}"),
            "AT&amp;T &lt;&quot;Q&quot;&gt; O&apos;Brien\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn the_network_has_the_pairs_of_cooccur_with_their_counts_and_pmi() {
        let f = fixture::build();
        for level in [Level::Sentence, Level::Paragraph, Level::Article] {
            let net = network(
                f.store.conn(),
                &NetworkOptions {
                    level,
                    min_count: 1,
                    kind: None,
                },
            )
            .unwrap();
            assert!(!net.edges.is_empty(), "{level}");
            for e in &net.edges {
                assert!(e.source < e.target);
                let seen = super::super::cooccurrences(f.store.conn(), e.source, level, 1000)
                    .unwrap()
                    .into_iter()
                    .find(|c| c.entity_id == e.target)
                    .expect("cooccur lists the pair");
                assert_eq!((seen.count, seen.pmi), (e.count, e.pmi), "{level}");
            }
            let ids: BTreeSet<EntityId> = net.nodes.iter().map(|n| n.id).collect();
            assert!(net
                .edges
                .iter()
                .all(|e| ids.contains(&e.source) && ids.contains(&e.target)));
        }
    }

    #[test]
    fn a_neighbourhood_is_the_network_restricted_to_an_entity_and_its_partners() {
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        for level in [Level::Sentence, Level::Paragraph, Level::Article] {
            let opts = NetworkOptions {
                level,
                min_count: 1,
                kind: None,
            };
            let whole = network(f.store.conn(), &opts).unwrap();
            let near = neighbourhood(f.store.conn(), assad, &opts, 100).unwrap();
            let ids: BTreeSet<EntityId> = near.nodes.iter().map(|n| n.id).collect();
            assert!(ids.contains(&assad), "{level}");
            let expected: Vec<&Edge> = whole
                .edges
                .iter()
                .filter(|e| ids.contains(&e.source) && ids.contains(&e.target))
                .collect();
            assert_eq!(near.edges.iter().collect::<Vec<_>>(), expected, "{level}");
            // Every node but the entity itself is one of its partners.
            assert!(near.nodes.iter().all(|n| n.id == assad
                || near
                    .edges
                    .iter()
                    .any(|e| e.source.min(e.target) == n.id.min(assad)
                        && e.source.max(e.target) == n.id.max(assad))));
        }
        let one = NetworkOptions {
            level: Level::Article,
            min_count: 1,
            kind: None,
        };
        assert_eq!(
            neighbourhood(f.store.conn(), assad, &one, 1)
                .unwrap()
                .nodes
                .len(),
            2
        );
    }
}
