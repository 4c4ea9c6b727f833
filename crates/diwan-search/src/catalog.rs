//! From a checked catalogue to the documents the index reads.

use diwan_domain::service::{Catalog, ElsewhereService, ServiceDefinition};

use crate::index::{SearchDoc, SearchIndex};

/// The searchable text of one service. The agency's name is included because people name
/// the office ("المرور", "الشهر العقاري") as often as the service.
pub fn doc_for(catalog: &Catalog, s: &ServiceDefinition) -> SearchDoc {
    let mut related: Vec<String> = Vec::new();
    for d in &s.documents {
        related.push(d.name.ar.clone());
        related.push(d.name.en.clone());
    }
    if let Some(c) = &s.certificate {
        related.push(c.title.ar.clone());
        related.push(c.title.en.clone());
    }
    if let Some(a) = catalog.agency(&s.agency) {
        related.push(a.name.ar.clone());
        related.push(a.name.en.clone());
    }
    SearchDoc {
        id: s.id.clone(),
        name_ar: s.name.ar.clone(),
        name_en: s.name.en.clone(),
        keywords: s
            .keywords
            .ar
            .iter()
            .chain(&s.keywords.en)
            .cloned()
            .collect(),
        description: vec![s.description.ar.clone(), s.description.en.clone()],
        related,
        elsewhere: false,
    }
}

/// The searchable text of something done elsewhere: its names and the words people use for
/// it. Where it is done stays out of the index: office names ("المرور") belong to the
/// catalogue's services as much as to it.
pub fn elsewhere_doc(e: &ElsewhereService) -> SearchDoc {
    SearchDoc {
        id: e.id.clone(),
        name_ar: e.name.ar.clone(),
        name_en: e.name.en.clone(),
        keywords: e
            .keywords
            .ar
            .iter()
            .chain(&e.keywords.en)
            .cloned()
            .collect(),
        description: Vec::new(),
        related: Vec::new(),
        elsewhere: true,
    }
}

/// The searchable text of every service of a catalogue, in id order, then of everything
/// done elsewhere.
pub fn docs(catalog: &Catalog) -> Vec<SearchDoc> {
    catalog
        .services
        .values()
        .map(|s| doc_for(catalog, s))
        .chain(catalog.elsewhere.values().map(elsewhere_doc))
        .collect()
}

/// The index of every service of a catalogue.
pub fn index_catalog(catalog: &Catalog) -> SearchIndex {
    SearchIndex::new(&docs(catalog))
}
