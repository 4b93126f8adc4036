//! The words frustration is read from, in Spanish, English and Portuguese: the evidence
//! with its weight, the phrases that neutralise it, thanks, and words shouted for emphasis.

pub(super) const STRONG: f32 = 1.0;
pub(super) const WEAK: f32 = 0.5;

/// (signal, weight, patterns).
#[rustfmt::skip]
pub(super) const LEXICON: &[(&str, f32, &[&str])] = &[
    (
        // The same concepts in all three languages (worst, disrespect, mockery, hate...).
        "negative_wording",
        STRONG,
        &[
            "peor", "peores", "pior", "piores", "falta de respeto", "irrespetuos*",
            "tomando el pelo", "se burlan", "burlando", "poco profesional*", "odio", "odeio",
            "hate", "disrespect*", "mocking", "unprofessional", "shame on", "trash",
            "zoando", "inaceitavel", "farto", "farta", "falta de profissionalismo",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &["a thousand times", "a million times", "un millon de veces", "um milhao de vezes"],
    ),
    ("threat_to_leave", WEAK, &["jamas", "jamais"]),
    (
        "negative_wording",
        STRONG,
        &[
            // es: judgements, feelings, disbelief
            "muy mal", "muy malo", "muy mala", "tan malo", "tan mala", "tan mal", "servicio malo",
            "atencion malisima", "pesadilla", "un caos", "nefasto*", "horrendo*", "espantoso*",
            "patetic*", "mediocre*", "deficiente", "asqueroso*", "es un chiste", "son un chiste",
            "esto es un chiste", "es una broma", "estan de broma", "en serio que no",
            "no puedo creer", "no lo puedo creer", "increible que", "inaudito", "cansad*",
            "me canse", "hasta la madre", "hasta la coronilla", "ya basta", "basta ya", "podrid*",
            "frustrad*", "desesperad*", "fastidiad*", "rabia", "que bronca", "me da bronca",
            "encabronad*", "emputad*",
            // en
            "so bad", "very bad", "really bad", "nightmare", "disaster", "kidding me",
            "are you kidding", "you must be kidding", "can not believe", "hopeless", "pointless",
            "worthless", "amateur*", "sucks", "suck", "sucked", "horrendous", "atrocious",
            "dreadful", "abysmal", "shocking", "enough is enough", "mad at", "livid", "infuriat*",
            "exasperat*", "irritating", "annoying",
            // pt
            "muito ruim", "pessimo*", "horrorosa", "horroroso", "pesadelo", "lamentavel",
            "decepcionante", "irritante", "sao uma piada", "e piada", "de brincadeira",
            "so pode ser brincadeira", "nao acredito", "inacreditavel", "um roubo", "e roubo",
            "roubalheira", "estou brav*", "to brav*", "muito brav*", "nervos*", "estressad*",
            "cansad*", "ja deu", "p da vida", "absurdo",
        ],
    ),
    (
        "threat_to_complain",
        STRONG,
        &[
            "mala resena", "mala calificacion", "calificacion negativa", "resena negativa",
            "los voy a reportar", "voy a reportar", "exponer*", "publicar en redes",
            "negative review", "bad rating", "zero stars", "going to report", "will report",
            "reporting you", "avaliacao negativa", "avaliacao ruim", "nota zero", "vou denunciar",
            "vou expor",
        ],
    ),
    (
        "nobody_answers",
        STRONG,
        &[
            "nadie me da", "nadie me dice", "nadie sabe", "nadie se hace cargo", "ninguna solucion",
            "ni una respuesta", "no me dan solucion", "no dan solucion", "no me solucionan",
            "no resuelven", "me ignor*", "ignorarme", "ignoran", "ignorando", "ignoring", "ignored",
            "ignoram", "ignorad*", "ninguem me da", "ninguem sabe", "ninguem fala", "nao resolvem",
            "nenhuma solucao", "nenhuma resposta", "no real answer", "no one knows", "nobody knows",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &[
            "terceira vez", "quarta vez", "cuarta vez", "tercera vez", "asked _ times",
            "asked twice", "asked three times", "over and over", "again and again",
            "siempre lo mismo", "lo mismo de siempre", "sempre a mesma",
        ],
    ),
    (
        "repeated_request",
        WEAK,
        &[
            "mismo mensaje", "misma respuesta", "mensaje automatico", "respuesta automatica",
            "same answer", "same message", "same reply", "automated", "mesma resposta",
            "mesma mensagem", "resposta automatica", "already asked", "ja pedi",
        ],
    ),
    (
        "bot_complaint",
        WEAK,
        &[
            "stop sending", "hablo con una maquina", "hablar con una maquina", "un robot",
            "talking to a machine", "talking to a bot", "a robot", "falando com robo",
            "falar com robo", "um robo",
        ],
    ),
    (
        "negative_wording",
        WEAK,
        &[
            "malo", "mala", "malos", "malas", "mal", "ruim", "queja*", "reclamo*", "reclamacao",
            "reclamar", "complaint", "complain*", "problema", "problem", "otra vez", "immediately",
            "right now", "asap", "urgente*", "urgent*", "seriously", "de verdad", "cuantas veces",
            "how many times", "quantas vezes", "abogad*", "lawyer*", "advogad*", "en serio",
            "como es posible", "report this",
        ],
    ),
    (
        "negative_wording",
        STRONG,
        &[
            // es
            "pesim*", "horrible*", "terrible*", "malisim*", "fatal", "desastre*", "desastroso*",
            "ridicul*", "absurd*", "verguenza", "vergonzoso*", "inaceptable", "inadmisible",
            "lamentable", "deplorable", "penoso", "indignad*", "indignante", "furios*", "enojad*",
            "enfadad*", "cabread*", "molesto", "molesta", "molestos", "molestas", "harto", "harta",
            "hartos", "hartas", "decepcion*", "el colmo", "una burla", "estafa*", "ladron*",
            "me robaron", "nos robaron", "un robo", "basura", "porqueria*", "que asco", "dan asco",
            "mal servicio", "mala atencion", "gracias por nada", "no puede ser",
            "una tomadura de pelo", "me toman el pelo",
            // en
            "worst", "awful", "pathetic", "ridiculous", "unacceptable", "disgrace*", "disgust*",
            "outrage*", "appalling", "angry", "furious", "pissed", "annoyed", "irritated",
            "frustrat*", "disappoint*", "upset", "fed up", "sick of", "sick and tired", "tired of",
            "had enough", "so done", "done with", "what a joke", "is a joke", "are a joke",
            "such a joke", "scam*", "rip off", "ripoff", "ripped off", "thieves", "robbed",
            "waste of time", "wasting my time", "poor service", "bad service", "lousy", "shameful",
            "garbage", "rubbish", "thanks for nothing", "thank you for nothing",
            // pt
            "horrivel", "horriveis", "terrivel", "terriveis", "vergonha", "vergonhoso*",
            "palhacada*", "lixo", "porcaria*", "raiva", "irritad*", "revoltad*", "decepcionad*",
            "decepcao", "descaso", "falta de respeito", "desrespeito", "enganacao", "e golpe",
            "um golpe", "num golpe", "que golpe",
            "golpista*", "ladrao", "ladroes", "roubaram", "saco cheio", "cansei", "nao aguento",
            "que piada", "e uma piada", "isso e piada", "chateado", "chateada", "obrigado por nada",
            "obrigada por nada", "que droga",
        ],
    ),
    (
        "insult",
        STRONG,
        &[
            // es
            "inutil*", "idiota*", "estupid*", "tonto", "tonta", "imbecil*", "incompetent*",
            "inepto*", "no sirves", "no sirven", "no sirve para nada", "no sirven para nada",
            "no sirve de nada", "no entiendes", "no entienden nada", "no entiende nada",
            "bot de mierda", "lerdo",
            // en
            "useless", "stupid", "dumb", "idiot*", "incompetent", "moron*", "clueless",
            "not helpful", "unhelpful", "you do not understand", "you never understand",
            // pt
            "inuteis", "burro", "burra", "nao serve", "nao servem", "nao serve pra nada",
            "nao serve para nada", "nao entende nada", "voce nao entende", "nao entendem nada",
        ],
    ),
    (
        "profanity",
        STRONG,
        &[
            "mierda", "carajo", "joder", "jodido*", "puta", "puto", "putos", "chingad*", "pinche",
            "pendej*", "cono", "ctm", "hdp", "verga", "maldit*", "cagad*", "cagaron", "hostia*",
            "wtf", "fuck*", "shit*", "crap", "damn*", "bullshit", "ffs", "stfu", "what the hell",
            "merda", "caralho", "porra", "pqp", "foda*", "fdp", "vsf", "tnc", "cacete", "bosta",
        ],
    ),
    (
        "threat_to_leave",
        STRONG,
        &[
            // es
            "nunca mas", "no vuelvo", "no les vuelvo", "no les compro mas", "no compro mas",
            "ultima vez que compro", "me voy a otra", "me voy con la competencia",
            "voy a cancelar todo", "cancelo todo", "cancelen todo", "cerrar mi cuenta",
            // en
            "never again", "never ordering", "never order", "never buying", "never buy",
            "never shopping", "never shop", "never using", "take my business", "taking my business",
            "cancel everything", "close my account", "delete my account", "switching to",
            "going elsewhere", "shop elsewhere", "buy elsewhere", "lost a customer",
            "done with you",
            // pt
            "nunca mais", "vou cancelar", "cancelar tudo", "cancela tudo", "nao compro mais",
            "nao volto", "em outra loja", "perderam um cliente", "perderam uma cliente",
            "encerrar minha conta",
        ],
    ),
    (
        "threat_to_complain",
        STRONG,
        &[
            "denunci*", "profeco", "indecopi", "sernac", "consumidor", "libro de reclamaciones",
            "hoja de reclamaciones", "mi abogado", "demandar*", "queja formal", "sue", "suing",
            "my lawyer", "my attorney", "legal action", "report you", "bbb",
            "better business bureau", "chargeback", "bad review", "one star", "1 star",
            "consumer protection", "formal complaint", "procon", "reclame aqui", "reclameaqui",
            "vou reclamar", "vou processar", "processar voces", "processo judicial", "meu advogado",
            "justica",
        ],
    ),
    (
        "nobody_answers",
        STRONG,
        &[
            "nadie respond*", "nadie contest*", "nadie me respond*", "nadie me contest*",
            "nadie me ayud*", "nadie ayud*", "nadie atiend*", "nadie me atiend*", "nadie resuelv*",
            "nadie me resuelv*", "nadie hace nada", "no responden", "no contestan",
            "no me responden", "no me contestan", "no me atienden", "ni responden", "ni contestan",
            "nobody answer*", "nobody respond*", "nobody repl*", "nobody help*", "nobody cares",
            "nobody is", "no one answer*", "no one respond*", "no one repl*", "no one help*",
            "no one cares", "no one is", "never answer*", "never respond*", "never reply",
            "ignoring me", "ninguem respond*", "ninguem me respond*", "ninguem resolv*",
            "ninguem atend*", "ninguem me atend*", "ninguem ajud*", "ninguem me ajud*",
            "ninguem faz nada", "nao respondem", "nao me respondem", "nao atendem", "me ignoram",
            "me ignoran",
        ],
    ),
    (
        "repeated_request",
        STRONG,
        &[
            "ya van _ veces", "cuantas veces tengo", "cuantas veces les", "cuantas veces mas",
            "mil veces", "por enesima vez", "por tercera vez", "how many times do",
            "how many times have", "how many more times", "_ times already", "for the last time",
            "third time", "3rd time", "quantas vezes vou", "quantas vezes tenho",
            "quantas vezes preciso", "quantas vezes mais", "mil vezes", "pela terceira vez",
            "pela milesima vez",
        ],
    ),
    (
        "repeated_request",
        WEAK,
        &[
            "otra vez", "de nuevo", "ya lo dije", "ya les dije", "ya explique", "again",
            "already told", "already said", "told you", "keep asking", "de novo", "outra vez",
            "ja falei", "ja disse", "ja expliquei",
        ],
    ),
    (
        "long_wait",
        WEAK,
        &[
            "llevo _ dia*", "llevo _ semana*", "llevo _ mes*", "llevo _ hora*", "llevo dias",
            "llevo semanas", "llevo meses", "llevo horas", "sigo esperando", "seguimos esperando",
            "todavia nada", "aun nada", "y nada", "hace _ semana*", "hace _ mes*", "hace semanas",
            "hace meses", "demasiado tiempo", "una eternidad", "still waiting", "been waiting",
            "waiting for _ day*", "waiting for _ week*", "waiting for _ month*", "waited _ day*",
            "waited _ week*", "for weeks", "for days", "for months", "still nothing", "and nothing",
            "how much longer", "forever", "to esperando", "estou esperando", "continuo esperando",
            "esperando ha", "faz _ dia*", "faz _ semana*", "faz _ mes*", "faz dias", "faz semanas",
            "faz meses", "ate agora nada", "e nada", "ainda nada", "demora demais", "muita demora",
        ],
    ),
    (
        "negative_wording",
        WEAK,
        &[
            "no sirve", "no me ayuda*", "no ayuda*", "que mal", "fraude", "fraud", "bad",
            "not working", "unbelievable", "seriously", "come on", "nao ajuda*", "nao resolve*",
            "nao funciona", "droga", "af", "aff", "affs", "horror",
        ],
    ),
];

/// Phrases that contain evidence words but say the opposite; evidence inside them is
/// ignored.
#[rustfmt::skip]
pub(super) const NEUTRALISERS: &[&str] = &[
    "not bad", "not too bad", "no problem", "no problems", "no worries", "nada mal", "no esta mal",
    "sin problema", "sin problemas", "sem problema", "sem problemas", "nao e ruim",
    "no hay problema", "too bad", "no me molesta", "nao tem problema", "once again thank",
    "again thank", "thanks again", "gracias de nuevo", "obrigado de novo", "obrigada de novo",
    "em quantas vezes", "en cuantas veces",
];

/// Thanks and praise: with them, capitals and `!!!` are enthusiasm.
#[rustfmt::skip]
pub(super) const POSITIVE: &[&str] = &[
    "gracias", "thanks", "thank", "obrigado", "obrigada", "valeu", "perfecto", "perfeito",
    "perfect", "genial", "great", "excelente", "excellent", "awesome", "adorei", "love", "encanta",
    "encanto", "buenisimo", "otimo", "amables", "amable", "incrivel",
];

/// Words that are shouted for emphasis ("give me my money back NOW"), unlike acronyms
/// (`UPS`, `PIX`, `VISA`), which are written in capitals anyway.
#[rustfmt::skip]
pub(super) const EMPHASIS: &[&str] = &[
    "now", "ya", "ahora", "agora", "hoy", "today", "hoje", "urgent", "urgente", "asap", "never",
    "nunca", "nada", "nothing", "nobody", "nadie", "ninguem", "why", "porque", "still", "todavia",
    "ainda", "again", "help", "ayuda", "ajuda", "where", "donde", "onde", "cade", "please", "favor",
    "immediately", "what", "que", "not", "no", "nao",
];
