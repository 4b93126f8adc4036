//! Classification time per message, on the demo intents. The target is ≤ 50 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use turno_nlu::{Classifier, IntentSet, Options, frustration};

const INTENTS: &str = include_str!("../../../infra/demo/intents.yaml");

/// A mix like WhatsApp traffic: short and long, clean and mistyped, in scope and not.
const MESSAGES: &[&str] = &[
    "hola",
    "¿Dónde está mi pedido 48213?",
    "quiero devolver unos zapatos q me quedaron chicos",
    "I was charged twice on my card, can you check???",
    "cadê meu pedidoo, ja faz uma semana",
    "quanto custa o frete pra curitiba",
    "reembloso porfa",
    "what's the weather like in Lisbon tomorrow",
    "pasame con un agente humano xfa",
    "muito obrigado pela ajuda!",
];

fn bench(c: &mut Criterion) {
    let set = IntentSet::from_yaml(INTENTS).expect("the demo intents parse");
    let classifier = Classifier::new(&set, Options::default()).expect("the demo intents build");

    c.bench_function("classify one message (mix of 10)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % MESSAGES.len();
            black_box(classifier.classify(black_box(MESSAGES[i])))
        })
    });
    c.bench_function("classify a long mistyped message", |b| {
        b.iter(|| {
            black_box(classifier.classify(black_box(
                "hola buenas tardes, qeria saber q paso con mi pedidio, lo compre hace dos semanas y \
                 todavia no me llega nada, el numero es 55821",
            )))
        })
    });
    c.bench_function("frustration one message (mix of 10)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % MESSAGES.len();
            black_box(frustration(black_box(MESSAGES[i])))
        })
    });
    c.bench_function("build the demo classifier", |b| {
        b.iter(|| black_box(Classifier::new(&set, Options::default())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
