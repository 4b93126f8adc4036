// The words of the agent's actions (snooze, escalate, tags, priority, the customer's profile),
// the handoff summary and the reason codes, in every language of the console.

import { addKeys, t } from './i18n.js';

addKeys({
  en: {
    'reason.explicit_request': 'Asked for a person',
    'reason.menu_choice': 'Chose “talk to a person” in the menu',
    'reason.failed_attempts': 'The bot did not understand several times',
    'reason.manual': 'Escalated by hand',
    'reason.reopened': 'Wrote again after it was resolved',
    'reason.frustration': 'Sounded frustrated',
    'reason.sensitive_topic': 'A topic that always goes to a person',
    'reason.integration_failed': 'The shop’s system failed during a look-up',
    'reason.keyword': 'Wrote words that need a person',
    'reason.out_of_hours': 'Arrived outside business hours',
    'reason.route:default': 'Sent to the default team',
    'reason.route:menu_team': 'Sent to the team chosen in the menu',
    'reason.route:keyword_team': 'Sent to the keyword’s team',
    'reason.rule': 'Routing rule “{name}”',
    'reason.keyword.named': 'Keyword “{name}”',
    'handoff.title': 'Handoff summary', 'handoff.why': 'Why', 'handoff.asked': 'Asked about', 'handoff.language': 'Language',
    'handoff.did': 'The bot', 'handoff.answered': 'answered {n}', 'handoff.failed': '{n} not understood', 'handoff.turns': '{n} messages handled',
    'handoff.slots': 'Given', 'handoff.lookups': 'Look-ups', 'handoff.lookup.found': 'found', 'handoff.lookup.not_found': 'not found', 'handoff.lookup.failed': 'failed',
    'handoff.sentiment': 'Mood', 'handoff.sentiment.neutral': 'Calm', 'handoff.sentiment.negative': 'Frustrated',
    'handoff.sla': 'SLA', 'handoff.sla.due': '{clock} due {time}', 'handoff.none': 'The bot did not handle this conversation.',
    'handoff.tags': 'Customer', 'handoff.asked.menu': 'menu option {key}', 'handoff.asked.frustrated': 'a complaint',
    'handoff.slot.order_number': 'order number',
    'intent.order_status': 'order status', 'intent.human_agent': 'a person', 'intent.store_hours': 'store hours', 'intent.returns': 'returns',
    'intent.refund': 'a refund', 'intent.billing': 'billing', 'intent.cancel_order': 'cancelling an order', 'intent.explicit_request': 'a person',
    'actions.title': 'Actions',
    'actions.snooze': 'Snooze until', 'actions.snooze.in_1h': 'In 1 hour', 'actions.snooze.tomorrow_9': 'Tomorrow 9:00', 'actions.snooze.next_monday_9': 'Next Monday 9:00',
    'actions.snooze.at': 'Date and time', 'actions.snooze.go': 'Snooze', 'actions.snooze.past': 'Pick a time in the future.', 'actions.snoozed': 'Snoozed until {time}',
    'actions.snooze.zone': 'Times in {zone}',
    'actions.escalate': 'Escalate', 'actions.escalate.reason': 'Reason', 'actions.escalate.other': 'Other (write it)', 'actions.escalate.text': 'Details',
    'actions.escalate.go': 'Escalate to the next tier', 'actions.escalate.what': 'Moves the ticket up one tier (now {tier}) into that tier’s team queue; you let it go.',
    'actions.escalate.top': 'Already at the top tier.',
    'actions.escalate.r.technical': 'Needs technical knowledge', 'actions.escalate.r.refund': 'Refund or money matter',
    'actions.escalate.r.complaint': 'Formal complaint', 'actions.escalate.r.vip': 'Important customer',
    'actions.tags': 'Ticket tags', 'actions.tags.add': 'Add a tag', 'actions.tags.remove': 'Remove tag {tag}', 'actions.tags.invalid': 'A tag is 1 to 32 letters, digits, “-” or “_”.',
    'actions.priority': 'Priority',
    'actions.customer.edit': 'Edit customer', 'actions.customer.name': 'Name', 'actions.customer.tags': 'Tags (comma separated)', 'actions.customer.vip': 'VIP customer (goes first in the queue)',
    'actions.customer.attrs': 'Custom attributes', 'actions.customer.key': 'Attribute name', 'actions.customer.value': 'Value', 'actions.customer.addattr': 'Add attribute',
    'actions.customer.removeattr': 'Remove attribute {key}', 'actions.customer.save': 'Save customer', 'actions.customer.cancel': 'Cancel',
    'actions.customer.badkey': 'Attribute names are 1 to 64 letters, digits, “_”, “-” or “.”: {key}', 'actions.customer.longname': 'The name is longer than 200 characters.',
    'actions.customer.saved': 'Customer saved',
    'actions.previous.open': 'Open ticket {id}',
  },
  es: {
    'reason.explicit_request': 'Pidió hablar con una persona',
    'reason.menu_choice': 'Eligió “hablar con una persona” en el menú',
    'reason.failed_attempts': 'El bot no le entendió varias veces',
    'reason.manual': 'Escalado a mano',
    'reason.reopened': 'Volvió a escribir tras resolverse',
    'reason.frustration': 'Parecía molesto',
    'reason.sensitive_topic': 'Un tema que siempre atiende una persona',
    'reason.integration_failed': 'El sistema de la tienda falló en una consulta',
    'reason.keyword': 'Escribió palabras que requieren a una persona',
    'reason.out_of_hours': 'Llegó fuera del horario de atención',
    'reason.route:default': 'Enviado al equipo por defecto',
    'reason.route:menu_team': 'Enviado al equipo elegido en el menú',
    'reason.route:keyword_team': 'Enviado al equipo de la palabra clave',
    'reason.rule': 'Regla de enrutamiento “{name}”',
    'reason.keyword.named': 'Palabra clave “{name}”',
    'handoff.title': 'Resumen del traspaso', 'handoff.why': 'Por qué', 'handoff.asked': 'Preguntó por', 'handoff.language': 'Idioma',
    'handoff.did': 'El bot', 'handoff.answered': 'respondió {n}', 'handoff.failed': '{n} sin entender', 'handoff.turns': '{n} mensajes atendidos',
    'handoff.slots': 'Datos dados', 'handoff.lookups': 'Consultas', 'handoff.lookup.found': 'encontrado', 'handoff.lookup.not_found': 'no encontrado', 'handoff.lookup.failed': 'falló',
    'handoff.sentiment': 'Ánimo', 'handoff.sentiment.neutral': 'Tranquilo', 'handoff.sentiment.negative': 'Molesto',
    'handoff.sla': 'SLA', 'handoff.sla.due': '{clock} vence {time}', 'handoff.none': 'El bot no atendió esta conversación.',
    'handoff.tags': 'Cliente', 'handoff.asked.menu': 'opción {key} del menú', 'handoff.asked.frustrated': 'una queja',
    'handoff.slot.order_number': 'número de pedido',
    'intent.order_status': 'estado del pedido', 'intent.human_agent': 'una persona', 'intent.store_hours': 'horario de la tienda', 'intent.returns': 'devoluciones',
    'intent.refund': 'un reembolso', 'intent.billing': 'facturación', 'intent.cancel_order': 'cancelar un pedido', 'intent.explicit_request': 'una persona',
    'actions.title': 'Acciones',
    'actions.snooze': 'Posponer hasta', 'actions.snooze.in_1h': 'En 1 hora', 'actions.snooze.tomorrow_9': 'Mañana 9:00', 'actions.snooze.next_monday_9': 'El lunes 9:00',
    'actions.snooze.at': 'Fecha y hora', 'actions.snooze.go': 'Posponer', 'actions.snooze.past': 'Elige una hora futura.', 'actions.snoozed': 'Pospuesto hasta {time}',
    'actions.snooze.zone': 'Horas en {zone}',
    'actions.escalate': 'Escalar', 'actions.escalate.reason': 'Motivo', 'actions.escalate.other': 'Otro (escríbelo)', 'actions.escalate.text': 'Detalles',
    'actions.escalate.go': 'Escalar al siguiente nivel', 'actions.escalate.what': 'Sube el ticket un nivel (ahora {tier}) a la cola del equipo de ese nivel; dejas de tenerlo.',
    'actions.escalate.top': 'Ya está en el nivel más alto.',
    'actions.escalate.r.technical': 'Requiere conocimiento técnico', 'actions.escalate.r.refund': 'Reembolso o tema de dinero',
    'actions.escalate.r.complaint': 'Reclamación formal', 'actions.escalate.r.vip': 'Cliente importante',
    'actions.tags': 'Etiquetas del ticket', 'actions.tags.add': 'Añadir etiqueta', 'actions.tags.remove': 'Quitar etiqueta {tag}', 'actions.tags.invalid': 'Una etiqueta tiene de 1 a 32 letras, dígitos, “-” o “_”.',
    'actions.priority': 'Prioridad',
    'actions.customer.edit': 'Editar cliente', 'actions.customer.name': 'Nombre', 'actions.customer.tags': 'Etiquetas (separadas por comas)', 'actions.customer.vip': 'Cliente VIP (primero en la cola)',
    'actions.customer.attrs': 'Atributos propios', 'actions.customer.key': 'Nombre del atributo', 'actions.customer.value': 'Valor', 'actions.customer.addattr': 'Añadir atributo',
    'actions.customer.removeattr': 'Quitar atributo {key}', 'actions.customer.save': 'Guardar cliente', 'actions.customer.cancel': 'Cancelar',
    'actions.customer.badkey': 'Los nombres de atributo tienen de 1 a 64 letras, dígitos, “_”, “-” o “.”: {key}', 'actions.customer.longname': 'El nombre tiene más de 200 caracteres.',
    'actions.customer.saved': 'Cliente guardado',
    'actions.previous.open': 'Abrir el ticket {id}',
  },
  pt: {
    'reason.explicit_request': 'Pediu para falar com uma pessoa',
    'reason.menu_choice': 'Escolheu “falar com uma pessoa” no menu',
    'reason.failed_attempts': 'O bot não entendeu várias vezes',
    'reason.manual': 'Escalado manualmente',
    'reason.reopened': 'Escreveu de novo depois de resolvido',
    'reason.frustration': 'Parecia frustrado',
    'reason.sensitive_topic': 'Um assunto que sempre vai para uma pessoa',
    'reason.integration_failed': 'O sistema da loja falhou numa consulta',
    'reason.keyword': 'Escreveu palavras que pedem uma pessoa',
    'reason.out_of_hours': 'Chegou fora do horário de atendimento',
    'reason.route:default': 'Enviado à equipe padrão',
    'reason.route:menu_team': 'Enviado à equipe escolhida no menu',
    'reason.route:keyword_team': 'Enviado à equipe da palavra-chave',
    'reason.rule': 'Regra de roteamento “{name}”',
    'reason.keyword.named': 'Palavra-chave “{name}”',
    'handoff.title': 'Resumo da transferência', 'handoff.why': 'Por quê', 'handoff.asked': 'Perguntou sobre', 'handoff.language': 'Idioma',
    'handoff.did': 'O bot', 'handoff.answered': 'respondeu {n}', 'handoff.failed': '{n} sem entender', 'handoff.turns': '{n} mensagens atendidas',
    'handoff.slots': 'Dados informados', 'handoff.lookups': 'Consultas', 'handoff.lookup.found': 'encontrado', 'handoff.lookup.not_found': 'não encontrado', 'handoff.lookup.failed': 'falhou',
    'handoff.sentiment': 'Humor', 'handoff.sentiment.neutral': 'Calmo', 'handoff.sentiment.negative': 'Frustrado',
    'handoff.sla': 'SLA', 'handoff.sla.due': '{clock} vence {time}', 'handoff.none': 'O bot não atendeu esta conversa.',
    'handoff.tags': 'Cliente', 'handoff.asked.menu': 'opção {key} do menu', 'handoff.asked.frustrated': 'uma reclamação',
    'handoff.slot.order_number': 'número do pedido',
    'intent.order_status': 'status do pedido', 'intent.human_agent': 'uma pessoa', 'intent.store_hours': 'horário da loja', 'intent.returns': 'devoluções',
    'intent.refund': 'um reembolso', 'intent.billing': 'faturamento', 'intent.cancel_order': 'cancelar um pedido', 'intent.explicit_request': 'uma pessoa',
    'actions.title': 'Ações',
    'actions.snooze': 'Adiar até', 'actions.snooze.in_1h': 'Em 1 hora', 'actions.snooze.tomorrow_9': 'Amanhã 9:00', 'actions.snooze.next_monday_9': 'Segunda-feira 9:00',
    'actions.snooze.at': 'Data e hora', 'actions.snooze.go': 'Adiar', 'actions.snooze.past': 'Escolha um horário no futuro.', 'actions.snoozed': 'Adiado até {time}',
    'actions.snooze.zone': 'Horários em {zone}',
    'actions.escalate': 'Escalar', 'actions.escalate.reason': 'Motivo', 'actions.escalate.other': 'Outro (escreva)', 'actions.escalate.text': 'Detalhes',
    'actions.escalate.go': 'Escalar ao próximo nível', 'actions.escalate.what': 'Sobe o ticket um nível (agora {tier}) para a fila da equipe desse nível; você deixa de tê-lo.',
    'actions.escalate.top': 'Já está no nível mais alto.',
    'actions.escalate.r.technical': 'Precisa de conhecimento técnico', 'actions.escalate.r.refund': 'Reembolso ou assunto de dinheiro',
    'actions.escalate.r.complaint': 'Reclamação formal', 'actions.escalate.r.vip': 'Cliente importante',
    'actions.tags': 'Etiquetas do ticket', 'actions.tags.add': 'Adicionar etiqueta', 'actions.tags.remove': 'Remover etiqueta {tag}', 'actions.tags.invalid': 'Uma etiqueta tem de 1 a 32 letras, dígitos, “-” ou “_”.',
    'actions.priority': 'Prioridade',
    'actions.customer.edit': 'Editar cliente', 'actions.customer.name': 'Nome', 'actions.customer.tags': 'Etiquetas (separadas por vírgulas)', 'actions.customer.vip': 'Cliente VIP (primeiro na fila)',
    'actions.customer.attrs': 'Atributos próprios', 'actions.customer.key': 'Nome do atributo', 'actions.customer.value': 'Valor', 'actions.customer.addattr': 'Adicionar atributo',
    'actions.customer.removeattr': 'Remover atributo {key}', 'actions.customer.save': 'Salvar cliente', 'actions.customer.cancel': 'Cancelar',
    'actions.customer.badkey': 'Nomes de atributo têm de 1 a 64 letras, dígitos, “_”, “-” ou “.”: {key}', 'actions.customer.longname': 'O nome tem mais de 200 caracteres.',
    'actions.customer.saved': 'Cliente salvo',
    'actions.previous.open': 'Abrir o ticket {id}',
  },
});

/// A reason code in the agent's words: `explicit_request`, `route:default`, `rule:vip`,
/// `keyword:fraud`; an unknown code shows as it is.
export function reasonText(code) {
  const c = String(code);
  const known = t(`reason.${c}`);
  if (known !== `reason.${c}`) return known;
  const [kind, ...rest] = c.split(':');
  const name = rest.join(':');
  if (kind === 'rule' && name) return t('reason.rule', { name });
  if (kind === 'keyword' && name) return t('reason.keyword.named', { name });
  return c;
}

/// What the customer asked, as the handoff summary names it, in the agent's words.
export function askedText(what) {
  const w = String(what);
  if (w.startsWith('menu:')) return t('handoff.asked.menu', { key: w.slice(5) });
  if (w === 'frustrated') return t('handoff.asked.frustrated');
  if (w.startsWith('keyword:')) return t('reason.keyword.named', { name: w.slice(8) });
  const known = t(`intent.${w}`);
  return known !== `intent.${w}` ? known : w.replace(/_/g, ' ');
}

/// A slot's name in the agent's words.
export function slotText(name) {
  const known = t(`handoff.slot.${name}`);
  return known !== `handoff.slot.${name}` ? known : String(name).replace(/_/g, ' ');
}
