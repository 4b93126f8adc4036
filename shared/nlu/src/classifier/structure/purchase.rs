//! Whether a message asks where the customer's own purchase is: it names something the
//! customer bought ("my parcel", "my stuff", "the things i bought", "i ordered a lamp") and
//! asks whether or when it ships, arrives or can be tracked ("has my stuff shipped yet",
//! "i still haven't received what i bought", "tracking info for my purchase"), and asks
//! nothing else about it (returning it, a refund, its price). Customers word this in more
//! ways than a list of examples covers; the shape is steadier than the words.

/// What a customer buys, named as a thing they own (after "my"), in en, es and pt.
const PURCHASE: &[&str] = &[
    // en
    "order",
    "orders",
    "package",
    "packages",
    "parcel",
    "parcels",
    "purchase",
    "purchases",
    "delivery",
    "deliveries",
    "shipment",
    "shipments",
    "stuff",
    "item",
    "items",
    "things",
    "goods",
    "product",
    "products",
    "box",
    // es
    "pedido",
    "pedidos",
    "paquete",
    "paquetes",
    "compra",
    "compras",
    "envio",
    "productos",
    "cosas",
    // pt
    "encomenda",
    "encomendas",
    "entrega",
    "produtos",
    "coisas",
];

/// Owners in front of a purchase ("my order", "my new shoes order", "mi pedido").
const OWNER: &[&str] = &[
    "my", "our", "mi", "mis", "nuestro", "nuestra", "meu", "minha", "meus", "minhas", "nosso",
    "nossa",
];

/// The customer as the one who bought ("i bought", "what we ordered", "compré").
const BUYER: &[&str] = &["i", "we"];
/// Past forms only: "where can i buy a laptop" is no purchase yet.
const BOUGHT: &[&str] = &["bought", "ordered", "purchased", "expecting"];
const BOUGHT_ALONE: &[&str] = &["compre", "pedi", "comprei", "encomendei"];

/// Words that ask whether, when or where a purchase ships or arrives, or how to follow it.
const WHEREABOUTS: &[&str] = &[
    // en
    "where",
    "whereabouts",
    "when",
    "arrive",
    "arrived",
    "arrives",
    "arriving",
    "arrival",
    "come",
    "came",
    "coming",
    "here",
    "ship",
    "shipped",
    "ships",
    "sent",
    "send",
    "dispatched",
    "dispatch",
    "delivered",
    "deliver",
    "received",
    "receive",
    "recieved",
    "recieve",
    "got",
    "gotten",
    "track",
    "tracking",
    "tracked",
    "status",
    "update",
    "updates",
    "eta",
    "late",
    "long",
    "stuck",
    "news",
    "delayed",
    "delay",
    "lost",
    "waiting",
    "turned",
    "shown",
    "showed",
    "transit",
    "progress",
    "happened",
    "happening",
    // es
    "donde",
    "cuando",
    "llega",
    "llegado",
    "llego",
    "llegara",
    "llegar",
    "enviado",
    "enviaron",
    "rastrear",
    "estado",
    "todavia",
    "recibido",
    "recibi",
    // pt
    "cade",
    "onde",
    "quando",
    "chegou",
    "chega",
    "chegar",
    "enviaram",
    "rastreio",
    "ainda",
    "recebi",
];

/// Words that ask something else about a purchase: returning or exchanging it, a refund, a
/// cancellation, its bill or price, a change to it. The likeness to those intents decides.
const OTHER_DEALING: &[&str] = &[
    // en
    "return",
    "returns",
    "returning",
    "returned",
    "refund",
    "refunds",
    "refunded",
    "money",
    "cancel",
    "cancelled",
    "canceled",
    "cancellation",
    "exchange",
    "damaged",
    "broken",
    "defective",
    "wrong",
    "invoice",
    "receipt",
    "bill",
    "billed",
    "charged",
    "charge",
    "price",
    "cost",
    "costs",
    "fee",
    "fees",
    "much",
    "payment",
    "pay",
    "change",
    "modify",
    "address",
    "free",
    "discount",
    "coupon",
    "promo",
    // es
    "devolver",
    "devolucion",
    "reembolso",
    "cancelar",
    "factura",
    "cambiar",
    "cuesta",
    "precio",
    // pt
    "devolucao",
    "estorno",
    "cancelar",
    "nota",
    "trocar",
    "custa",
    "preco",
];

/// Whether `token` is a word of `lexicon` or a misspelling of one: one edit (a transposition
/// counts one) from a word of five letters or more with the same first letter ("purchse",
/// "shiped", "pakage").
fn in_lexicon(lexicon: &[&str], token: &str) -> bool {
    lexicon.contains(&token)
        || (token.len() >= 5
            && lexicon.iter().any(|w| {
                w.len() >= 5
                    && w.len().abs_diff(token.len()) <= 1
                    && w.as_bytes().first() == token.as_bytes().first()
                    && within_one_edit(w.as_bytes(), token.as_bytes())
            }))
}

/// Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of
/// two neighbouring letters.
pub(super) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    let swapped = a.len() == b.len()
        && a.len() >= 2
        && a.first() == b.get(1)
        && a.get(1) == b.first()
        && a.get(2..) == b.get(2..);
    swapped
        || a.get(1..).unwrap_or(&[]) == b.get(1..).unwrap_or(&[])
        || a.get(1..).unwrap_or(&[]) == b
        || a == b.get(1..).unwrap_or(&[])
}

/// Whether the message names a purchase of the customer's and asks where it is, whether or
/// when it ships or arrives, and asks nothing else about it.
pub(in crate::classifier) fn asks_after_own_purchase(tokens: &[&str]) -> bool {
    let owned = tokens.iter().enumerate().any(|(i, t)| {
        in_lexicon(PURCHASE, t)
            && (i.saturating_sub(3)..i).any(|j| tokens.get(j).is_some_and(|o| OWNER.contains(o)))
    });
    let bought = tokens
        .windows(2)
        .any(|w| BUYER.contains(&w[0]) && BOUGHT.contains(&w[1]))
        || tokens.windows(3).any(|w| {
            // "i have ordered", "we just bought", "i was expecting"
            BUYER.contains(&w[0]) && BOUGHT.contains(&w[2])
        })
        || tokens.iter().any(|t| BOUGHT_ALONE.contains(t));
    (owned || bought)
        && tokens.iter().any(|t| in_lexicon(WHEREABOUTS, t))
        && !tokens.iter().any(|t| OTHER_DEALING.contains(t))
}

/// What customers wait for that no shop sells them: a bank card or a cheque, the post, a
/// document from an office, luggage, people ("when will my new card arrive", "has my check
/// cleared", "my mail hasn't come today", "when will my kids get home").
const NOT_BOUGHT: &[&str] = &[
    "card",
    "cards",
    "check",
    "cheque",
    "checks",
    "cheques",
    "checkbook",
    "chequebook",
    "paycheck",
    "mail",
    "post",
    "letter",
    "letters",
    "visa",
    "permit",
    "luggage",
    "suitcase",
    "stimulus",
    "benefits",
    "unemployment",
    "pension",
    "deposit",
    "transfer",
    "wire",
    "kids",
    "children",
    "son",
    "daughter",
    "husband",
    "wife",
    "friend",
    "friends",
    "guests",
    "tarjeta",
    "cartao",
];

/// Whether the message is about something customers wait for that no shop sells them, and
/// names no purchase: not a question about an order however alike its words are.
pub(in crate::classifier) fn awaits_something_else(tokens: &[&str]) -> bool {
    // "order" as a verb ("how do i order a new checkbook") names no purchase.
    let purchase = tokens.iter().enumerate().any(|(i, t)| {
        let verb = *t == "order"
            && i.checked_sub(1)
                .and_then(|j| tokens.get(j))
                .is_some_and(|p| matches!(*p, "i" | "we" | "to" | "you" | "please"));
        in_lexicon(PURCHASE, t) && !verb
    });
    tokens.iter().any(|t| NOT_BOUGHT.contains(t)) && !purchase
}
