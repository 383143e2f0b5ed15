//! Named-entity recognition: tokenizer, features, averaged-perceptron tagger,
//! training and CoNLL evaluation. (Being written; see issue 5.)
