fn main() {
    let mut a = std::env::args().skip(1);
    let mp = a.next().unwrap();
    let path = a.next().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let m = newsdb::ner::Model::load(std::path::Path::new(&mp)).unwrap();
    for s in m.extract(&text) {
        println!(
            "{:?}\t{}\t{:.3}\t{}",
            s.kind,
            &text[s.start_byte..s.end_byte],
            s.confidence,
            s.sentence
        );
    }
}
