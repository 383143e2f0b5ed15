//! Entity resolution: canonical names, aliases, in-document coreference. (Being written; see issue 5.)
