// One dictionary per language; the choice is kept in localStorage, the default comes from the
// browser. `t(key, vars)` fills `{name}` placeholders.

const dict = {
  en: {
    'app.tagline': 'WhatsApp help desk',
    'signin.title': 'Sign in to the console',
    'signin.pick': 'Choose an agent (local runner)',
    'signin.token': 'Paste your access token',
    'signin.submit': 'Sign in',
    'signin.cognito': 'Sign in with your company account',
    'signin.failed': 'Could not sign in: {message}',
    'nav.inbox': 'Inbox',
    'nav.dashboard': 'Dashboard',
    'nav.sandbox': 'Customer sandbox',
    'nav.signout': 'Sign out',
    'role.agent': 'Agent', 'role.supervisor': 'Supervisor', 'role.admin': 'Admin',
    'avail.online': 'Online', 'avail.away': 'Away', 'avail.offline': 'Offline',
    'inbox.mine': 'Mine', 'inbox.all': 'All my teams', 'inbox.team': 'Team {team}',
    'inbox.search': 'Search name, number or ticket id',
    'inbox.more': 'Load more',
    'inbox.empty': 'No tickets here. New handoffs appear on their own.',
    'inbox.pick': 'Pick a conversation from the list.',
    'inbox.waiting': 'waiting {d}',
    'inbox.unassigned': 'Unassigned',
    'status.all': 'Open', 'status.bot': 'Bot', 'status.queued': 'Queued', 'status.assigned': 'Assigned',
    'status.pending': 'Pending', 'status.snoozed': 'Snoozed', 'status.resolved': 'Resolved', 'status.closed': 'Closed',
    'priority.low': 'Low', 'priority.normal': 'Normal', 'priority.high': 'High', 'priority.urgent': 'Urgent',
    'sla.ok': 'due in {d}', 'sla.warning': 'due in {d}', 'sla.breached': 'breached {d} ago', 'sla.none': 'no SLA running',
    'sla.state.ok': 'on time', 'sla.state.warning': 'due soon', 'sla.state.breached': 'breached',
    'sla.first_response': 'First response', 'sla.next_response': 'Next response', 'sla.resolution': 'Resolution', 'sla.escalate_after': 'Escalation',
    'conv.back': 'Back', 'conv.csat': 'Satisfaction', 'conv.reason': 'Why it came to a person', 'conv.notallowed': 'You are not allowed to open this ticket: it belongs to a team you are not in, or it does not exist.',
    'conv.notfound': 'This ticket does not exist.',
    'conv.window.open': '24 h window closes in {d}', 'conv.window.closed': 'The 24 h window is closed: only templates can be sent.',
    'conv.window.unknown': 'No customer message yet: the 24 h window is closed.',
    'conv.reply': 'Reply', 'conv.note': 'Private note',
    'conv.reply.placeholder': 'Write a reply… (type / for quick replies)', 'conv.note.placeholder': 'Write a note for the team… (@agent to mention)',
    'conv.send': 'Send', 'conv.addnote': 'Add note', 'conv.quick': 'Quick replies', 'conv.quick.none': 'No quick replies yet.',
    'conv.template': 'Template', 'conv.template.send': 'Send template', 'conv.template.none': 'No templates configured.',
    'mentions.title': 'Mentions and alerts', 'mentions.unread': 'Mentions and alerts: {n} new', 'mentions.none': 'Nothing new.',
    'mentions.mentioned': '{who} mentioned you on {name}\'s conversation', 'mentions.reply': '{name} replied on your conversation',
    'mentions.warning': 'SLA due soon on {name}\'s conversation', 'mentions.breach': 'SLA breached on {name}\'s conversation',
    'attach.button': 'Attach', 'attach.choose': 'Attach a file (or drop or paste one here)', 'attach.remove': 'Remove the file', 'attach.download': 'Download',
    'attach.caption': 'The message text goes as its caption.', 'attach.nocaption': 'WhatsApp shows no caption for this kind: the text is not sent.',
    'attach.unsupported': 'WhatsApp does not take {type} files: send JPEG or PNG images, MP3, OGG or AAC audio, MP4 video, or PDF, text and Office documents.',
    'attach.toolarge': 'This file is {size}: WhatsApp takes {kind} files up to {limit}.', 'attach.empty': 'The file is empty.',
    'attach.throttled': 'WhatsApp is limiting how fast we send: wait a moment and send the file again.', 'attach.unavailable': 'WhatsApp is not answering right now: send the file again in a moment.',
    'attach.window': 'The 24-hour window is closed: only a template can go now.',
    'attach.kind.image': 'image', 'attach.kind.sticker': 'sticker', 'attach.kind.audio': 'audio', 'attach.kind.video': 'video', 'attach.kind.document': 'document',
    'templates.use': 'Template', 'templates.back': 'Write a message', 'templates.nobody': 'The body of this template is not in the configuration.',
    'templates.missing': 'Fill in parameter {{{n}}}: the template cannot go with it empty.',
    'templates.toolong': 'Parameter {{{n}}} is longer than {max} characters.',
    'templates.oneline': 'Parameter {{{n}}} must be one line, without tabs or runs of spaces.',
    'templates.header.image': 'Image header', 'templates.header.video': 'Video header', 'templates.header.document': 'Document header', 'templates.header.location': 'Location header', 'templates.header.text': 'Text header',
    'templates.field.customer_name': '(customer name)', 'templates.field.ticket_id': '(ticket id)',
    'templates.category.marketing': 'marketing', 'templates.category.utility': 'utility', 'templates.category.authentication': 'authentication',
    'conv.assign.me': 'Assign to me', 'conv.transfer': 'Transfer', 'conv.transfer.to': 'Transfer to…', 'conv.transfer.note': 'Why (for the next person)',
    'conv.transfer.agent': 'Agent: {name}', 'conv.transfer.team': 'Team queue: {name}',
    'conv.status.pending': 'Wait on customer', 'conv.status.resolve': 'Resolve', 'conv.status.reopen': 'Reopen', 'conv.status.close': 'Close',
    'conv.customer': 'Customer', 'conv.phone': 'Phone', 'conv.language': 'Language', 'conv.tags': 'Tags', 'conv.vip': 'VIP',
    'conv.previous': 'Previous tickets', 'conv.none': 'None', 'conv.audit': 'Activity', 'conv.team': 'Team', 'conv.assignee': 'Assignee', 'conv.tier': 'Tier',
    'conv.sent': 'Sent', 'conv.delivered': 'Delivered', 'conv.read': 'Read', 'conv.failed': 'Failed',
    'conv.author.customer': 'Customer', 'conv.author.bot': 'Bot', 'conv.author.system': 'turno', 'conv.author.note': 'Note',
    'conv.author.business_app': 'Business app', 'conv.edited': 'edited', 'conv.deleted': 'This message was deleted', 'conv.history': 'Earlier versions', 'conv.call.missed': 'Missed call', 'conv.call.answered': 'Call', 'conv.system.user_changed_number': 'The customer changed their number', 'conv.system.customer_identity_changed': 'The customer\'s security code changed', 'conv.system.other': 'WhatsApp notice',
    'conv.location': 'Location', 'conv.media': 'Attachment', 'conv.contacts': 'Contacts', 'conv.reaction': 'Reaction', 'conv.unsupported': 'Unsupported message',
    'conv.done': 'Done', 'conv.error': 'Could not do that: {message}',
    'dash.title': 'Supervisor dashboard', 'dash.online': 'Agents', 'dash.online.count': '{n} online', 'dash.queues': 'Queues',
    'dash.breaches': 'SLA breaches today', 'dash.frt': 'First response', 'dash.rt': 'Resolution',
    'dash.compliance': 'SLA compliance', 'dash.deflection': 'Bot deflection', 'dash.csat': 'CSAT',
    'dash.median': 'median', 'dash.p90': 'p90', 'dash.depth': 'waiting', 'dash.longest': 'longest wait', 'dash.load': '{load} / {capacity}',
    'dash.breached.list': 'Breached tickets', 'dash.forbidden': 'The dashboard is for supervisors.', 'dash.nodata': 'no data yet',
    'sandbox.title': 'Customer sandbox', 'sandbox.hint': 'Chat with the bot as a WhatsApp customer. Ask for an agent to see the handoff arrive in the inbox.',
    'sandbox.phone': 'Phone', 'sandbox.name': 'Name', 'sandbox.placeholder': 'Message… (try: hola)', 'sandbox.send': 'Send',
    'notify.assigned': 'New conversation assigned: {name}', 'notify.enable': 'Enable notifications',
    'live.offline': 'Reconnecting…',
  },
  es: {
    'app.tagline': 'Mesa de ayuda de WhatsApp',
    'signin.title': 'Entra en la consola',
    'signin.pick': 'Elige un agente (entorno local)',
    'signin.token': 'Pega tu token de acceso',
    'signin.submit': 'Entrar',
    'signin.cognito': 'Entrar con tu cuenta de empresa',
    'signin.failed': 'No se pudo entrar: {message}',
    'nav.inbox': 'Bandeja', 'nav.dashboard': 'Panel', 'nav.sandbox': 'Cliente de prueba', 'nav.signout': 'Salir',
    'role.agent': 'Agente', 'role.supervisor': 'Supervisor', 'role.admin': 'Administrador',
    'avail.online': 'Disponible', 'avail.away': 'Ausente', 'avail.offline': 'Desconectado',
    'inbox.mine': 'Mías', 'inbox.all': 'Todos mis equipos', 'inbox.team': 'Equipo {team}',
    'inbox.search': 'Buscar nombre, número o ticket',
    'inbox.more': 'Cargar más',
    'inbox.empty': 'No hay tickets aquí. Los nuevos traspasos aparecen solos.',
    'inbox.pick': 'Elige una conversación de la lista.',
    'inbox.waiting': 'espera {d}',
    'inbox.unassigned': 'Sin asignar',
    'status.all': 'Abiertos', 'status.bot': 'Bot', 'status.queued': 'En cola', 'status.assigned': 'Asignado',
    'status.pending': 'Pendiente', 'status.snoozed': 'Pospuesto', 'status.resolved': 'Resuelto', 'status.closed': 'Cerrado',
    'priority.low': 'Baja', 'priority.normal': 'Normal', 'priority.high': 'Alta', 'priority.urgent': 'Urgente',
    'sla.ok': 'vence en {d}', 'sla.warning': 'vence en {d}', 'sla.breached': 'incumplido hace {d}', 'sla.none': 'sin SLA en curso',
    'sla.state.ok': 'a tiempo', 'sla.state.warning': 'vence pronto', 'sla.state.breached': 'incumplido',
    'sla.first_response': 'Primera respuesta', 'sla.next_response': 'Siguiente respuesta', 'sla.resolution': 'Resolución', 'sla.escalate_after': 'Escalado',
    'conv.back': 'Volver', 'conv.csat': 'Satisfacción', 'conv.reason': 'Por qué pasó a una persona', 'conv.notallowed': 'No tienes permiso para abrir este ticket: es de un equipo al que no perteneces, o no existe.',
    'conv.notfound': 'Este ticket no existe.',
    'conv.window.open': 'La ventana de 24 h se cierra en {d}', 'conv.window.closed': 'La ventana de 24 h está cerrada: solo se pueden enviar plantillas.',
    'conv.window.unknown': 'El cliente aún no ha escrito: la ventana de 24 h está cerrada.',
    'conv.reply': 'Responder', 'conv.note': 'Nota privada',
    'conv.reply.placeholder': 'Escribe una respuesta… (/ para respuestas rápidas)', 'conv.note.placeholder': 'Nota para el equipo… (@agente para mencionar)',
    'conv.send': 'Enviar', 'conv.addnote': 'Añadir nota', 'conv.quick': 'Respuestas rápidas', 'conv.quick.none': 'Aún no hay respuestas rápidas.',
    'conv.template': 'Plantilla', 'conv.template.send': 'Enviar plantilla', 'conv.template.none': 'No hay plantillas configuradas.',
    'mentions.title': 'Menciones y avisos', 'mentions.unread': 'Menciones y avisos: {n} nuevos', 'mentions.none': 'Nada nuevo.',
    'mentions.mentioned': '{who} te ha mencionado en la conversación de {name}', 'mentions.reply': '{name} ha respondido en tu conversación',
    'mentions.warning': 'El SLA de la conversación de {name} vence pronto', 'mentions.breach': 'SLA incumplido en la conversación de {name}',
    'attach.button': 'Adjuntar', 'attach.choose': 'Adjuntar un archivo (o soltarlo o pegarlo aquí)', 'attach.remove': 'Quitar el archivo', 'attach.download': 'Descargar',
    'attach.caption': 'El texto del mensaje va como pie.', 'attach.nocaption': 'WhatsApp no muestra pie en este tipo: el texto no se envía.',
    'attach.unsupported': 'WhatsApp no acepta archivos {type}: envía imágenes JPEG o PNG, audio MP3, OGG o AAC, vídeo MP4, o documentos PDF, de texto u Office.',
    'attach.toolarge': 'Este archivo ocupa {size}: WhatsApp acepta archivos de {kind} de hasta {limit}.', 'attach.empty': 'El archivo está vacío.',
    'attach.throttled': 'WhatsApp está limitando el ritmo de envío: espera un momento y vuelve a enviar el archivo.', 'attach.unavailable': 'WhatsApp no responde ahora mismo: vuelve a enviar el archivo en un momento.',
    'attach.window': 'La ventana de 24 horas está cerrada: ahora solo puede ir una plantilla.',
    'attach.kind.image': 'imagen', 'attach.kind.sticker': 'sticker', 'attach.kind.audio': 'audio', 'attach.kind.video': 'vídeo', 'attach.kind.document': 'documento',
    'templates.use': 'Plantilla', 'templates.back': 'Escribir un mensaje', 'templates.nobody': 'El cuerpo de esta plantilla no está en la configuración.',
    'templates.missing': 'Rellena el parámetro {{{n}}}: la plantilla no puede ir con él vacío.',
    'templates.toolong': 'El parámetro {{{n}}} tiene más de {max} caracteres.',
    'templates.oneline': 'El parámetro {{{n}}} debe ser una sola línea, sin tabuladores ni espacios seguidos.',
    'templates.header.image': 'Cabecera con imagen', 'templates.header.video': 'Cabecera con vídeo', 'templates.header.document': 'Cabecera con documento', 'templates.header.location': 'Cabecera con ubicación', 'templates.header.text': 'Cabecera de texto',
    'templates.field.customer_name': '(nombre del cliente)', 'templates.field.ticket_id': '(id del ticket)',
    'templates.category.marketing': 'marketing', 'templates.category.utility': 'utilidad', 'templates.category.authentication': 'autenticación',
    'conv.assign.me': 'Asignármelo', 'conv.transfer': 'Transferir', 'conv.transfer.to': 'Transferir a…', 'conv.transfer.note': 'Motivo (para quien lo recibe)',
    'conv.transfer.agent': 'Agente: {name}', 'conv.transfer.team': 'Cola del equipo: {name}',
    'conv.status.pending': 'Esperar al cliente', 'conv.status.resolve': 'Resolver', 'conv.status.reopen': 'Reabrir', 'conv.status.close': 'Cerrar',
    'conv.customer': 'Cliente', 'conv.phone': 'Teléfono', 'conv.language': 'Idioma', 'conv.tags': 'Etiquetas', 'conv.vip': 'VIP',
    'conv.previous': 'Tickets anteriores', 'conv.none': 'Ninguno', 'conv.audit': 'Actividad', 'conv.team': 'Equipo', 'conv.assignee': 'Asignado a', 'conv.tier': 'Nivel',
    'conv.sent': 'Enviado', 'conv.delivered': 'Entregado', 'conv.read': 'Leído', 'conv.failed': 'Falló',
    'conv.author.customer': 'Cliente', 'conv.author.bot': 'Bot', 'conv.author.system': 'turno', 'conv.author.note': 'Nota',
    'conv.author.business_app': 'App Business', 'conv.edited': 'editado', 'conv.deleted': 'Se eliminó este mensaje', 'conv.history': 'Versiones anteriores', 'conv.call.missed': 'Llamada perdida', 'conv.call.answered': 'Llamada', 'conv.system.user_changed_number': 'El cliente cambió de número', 'conv.system.customer_identity_changed': 'Cambió el código de seguridad del cliente', 'conv.system.other': 'Aviso de WhatsApp',
    'conv.location': 'Ubicación', 'conv.media': 'Adjunto', 'conv.contacts': 'Contactos', 'conv.reaction': 'Reacción', 'conv.unsupported': 'Mensaje no soportado',
    'conv.done': 'Hecho', 'conv.error': 'No se pudo: {message}',
    'dash.title': 'Panel de supervisión', 'dash.online': 'Agentes', 'dash.online.count': '{n} disponibles', 'dash.queues': 'Colas',
    'dash.breaches': 'Incumplimientos de SLA hoy', 'dash.frt': 'Primera respuesta', 'dash.rt': 'Resolución',
    'dash.compliance': 'Cumplimiento de SLA', 'dash.deflection': 'Resueltos por el bot', 'dash.csat': 'CSAT',
    'dash.median': 'mediana', 'dash.p90': 'p90', 'dash.depth': 'en espera', 'dash.longest': 'espera máxima', 'dash.load': '{load} / {capacity}',
    'dash.breached.list': 'Tickets incumplidos', 'dash.forbidden': 'El panel es para supervisores.', 'dash.nodata': 'sin datos aún',
    'sandbox.title': 'Cliente de prueba', 'sandbox.hint': 'Habla con el bot como un cliente de WhatsApp. Pide un agente y verás llegar el traspaso a la bandeja.',
    'sandbox.phone': 'Teléfono', 'sandbox.name': 'Nombre', 'sandbox.placeholder': 'Mensaje… (prueba: hola)', 'sandbox.send': 'Enviar',
    'notify.assigned': 'Nueva conversación asignada: {name}', 'notify.enable': 'Activar avisos',
    'live.offline': 'Reconectando…',
  },
  pt: {
    'app.tagline': 'Central de atendimento no WhatsApp',
    'signin.title': 'Entre no console',
    'signin.pick': 'Escolha um atendente (ambiente local)',
    'signin.token': 'Cole seu token de acesso',
    'signin.submit': 'Entrar',
    'signin.cognito': 'Entrar com sua conta da empresa',
    'signin.failed': 'Não foi possível entrar: {message}',
    'nav.inbox': 'Caixa de entrada', 'nav.dashboard': 'Painel', 'nav.sandbox': 'Cliente de teste', 'nav.signout': 'Sair',
    'role.agent': 'Atendente', 'role.supervisor': 'Supervisor', 'role.admin': 'Administrador',
    'avail.online': 'Disponível', 'avail.away': 'Ausente', 'avail.offline': 'Desconectado',
    'inbox.mine': 'Minhas', 'inbox.all': 'Todas as minhas equipes', 'inbox.team': 'Equipe {team}',
    'inbox.search': 'Buscar nome, número ou ticket',
    'inbox.more': 'Carregar mais',
    'inbox.empty': 'Nenhum ticket aqui. Novas transferências aparecem sozinhas.',
    'inbox.pick': 'Escolha uma conversa na lista.',
    'inbox.waiting': 'espera {d}',
    'inbox.unassigned': 'Sem atendente',
    'status.all': 'Abertos', 'status.bot': 'Bot', 'status.queued': 'Na fila', 'status.assigned': 'Atribuído',
    'status.pending': 'Pendente', 'status.snoozed': 'Adiado', 'status.resolved': 'Resolvido', 'status.closed': 'Fechado',
    'priority.low': 'Baixa', 'priority.normal': 'Normal', 'priority.high': 'Alta', 'priority.urgent': 'Urgente',
    'sla.ok': 'vence em {d}', 'sla.warning': 'vence em {d}', 'sla.breached': 'violado há {d}', 'sla.none': 'sem SLA em curso',
    'sla.state.ok': 'no prazo', 'sla.state.warning': 'vence logo', 'sla.state.breached': 'violado',
    'sla.first_response': 'Primeira resposta', 'sla.next_response': 'Próxima resposta', 'sla.resolution': 'Resolução', 'sla.escalate_after': 'Escalonamento',
    'conv.back': 'Voltar', 'conv.csat': 'Satisfação', 'conv.reason': 'Por que veio para uma pessoa', 'conv.notallowed': 'Você não tem permissão para abrir este ticket: ele é de uma equipe da qual você não faz parte, ou não existe.',
    'conv.notfound': 'Este ticket não existe.',
    'conv.window.open': 'A janela de 24 h fecha em {d}', 'conv.window.closed': 'A janela de 24 h está fechada: só é possível enviar modelos.',
    'conv.window.unknown': 'O cliente ainda não escreveu: a janela de 24 h está fechada.',
    'conv.reply': 'Responder', 'conv.note': 'Nota privada',
    'conv.reply.placeholder': 'Escreva uma resposta… (/ para respostas rápidas)', 'conv.note.placeholder': 'Nota para a equipe… (@atendente para mencionar)',
    'conv.send': 'Enviar', 'conv.addnote': 'Adicionar nota', 'conv.quick': 'Respostas rápidas', 'conv.quick.none': 'Ainda não há respostas rápidas.',
    'conv.template': 'Modelo', 'conv.template.send': 'Enviar modelo', 'conv.template.none': 'Nenhum modelo configurado.',
    'mentions.title': 'Menções e avisos', 'mentions.unread': 'Menções e avisos: {n} novos', 'mentions.none': 'Nada novo.',
    'mentions.mentioned': '{who} mencionou você na conversa de {name}', 'mentions.reply': '{name} respondeu na sua conversa',
    'mentions.warning': 'O SLA da conversa de {name} vence em breve', 'mentions.breach': 'SLA descumprido na conversa de {name}',
    'attach.button': 'Anexar', 'attach.choose': 'Anexar um arquivo (ou soltar ou colar aqui)', 'attach.remove': 'Remover o arquivo', 'attach.download': 'Baixar',
    'attach.caption': 'O texto da mensagem vai como legenda.', 'attach.nocaption': 'O WhatsApp não mostra legenda neste tipo: o texto não é enviado.',
    'attach.unsupported': 'O WhatsApp não aceita arquivos {type}: envie imagens JPEG ou PNG, áudio MP3, OGG ou AAC, vídeo MP4, ou documentos PDF, de texto ou Office.',
    'attach.toolarge': 'Este arquivo tem {size}: o WhatsApp aceita arquivos de {kind} de até {limit}.', 'attach.empty': 'O arquivo está vazio.',
    'attach.throttled': 'O WhatsApp está limitando o ritmo de envio: espere um momento e envie o arquivo de novo.', 'attach.unavailable': 'O WhatsApp não está respondendo agora: envie o arquivo de novo em um momento.',
    'attach.window': 'A janela de 24 horas está fechada: agora só um modelo pode ir.',
    'attach.kind.image': 'imagem', 'attach.kind.sticker': 'figurinha', 'attach.kind.audio': 'áudio', 'attach.kind.video': 'vídeo', 'attach.kind.document': 'documento',
    'templates.use': 'Modelo', 'templates.back': 'Escrever uma mensagem', 'templates.nobody': 'O corpo deste modelo não está na configuração.',
    'templates.missing': 'Preencha o parâmetro {{{n}}}: o modelo não pode ir com ele vazio.',
    'templates.toolong': 'O parâmetro {{{n}}} tem mais de {max} caracteres.',
    'templates.oneline': 'O parâmetro {{{n}}} deve ser uma única linha, sem tabulações nem espaços seguidos.',
    'templates.header.image': 'Cabeçalho com imagem', 'templates.header.video': 'Cabeçalho com vídeo', 'templates.header.document': 'Cabeçalho com documento', 'templates.header.location': 'Cabeçalho com localização', 'templates.header.text': 'Cabeçalho de texto',
    'templates.field.customer_name': '(nome do cliente)', 'templates.field.ticket_id': '(id do ticket)',
    'templates.category.marketing': 'marketing', 'templates.category.utility': 'utilidade', 'templates.category.authentication': 'autenticação',
    'conv.assign.me': 'Atribuir a mim', 'conv.transfer': 'Transferir', 'conv.transfer.to': 'Transferir para…', 'conv.transfer.note': 'Motivo (para quem recebe)',
    'conv.transfer.agent': 'Atendente: {name}', 'conv.transfer.team': 'Fila da equipe: {name}',
    'conv.status.pending': 'Aguardar cliente', 'conv.status.resolve': 'Resolver', 'conv.status.reopen': 'Reabrir', 'conv.status.close': 'Fechar',
    'conv.customer': 'Cliente', 'conv.phone': 'Telefone', 'conv.language': 'Idioma', 'conv.tags': 'Etiquetas', 'conv.vip': 'VIP',
    'conv.previous': 'Tickets anteriores', 'conv.none': 'Nenhum', 'conv.audit': 'Atividade', 'conv.team': 'Equipe', 'conv.assignee': 'Atendente', 'conv.tier': 'Nível',
    'conv.sent': 'Enviado', 'conv.delivered': 'Entregue', 'conv.read': 'Lido', 'conv.failed': 'Falhou',
    'conv.author.customer': 'Cliente', 'conv.author.bot': 'Bot', 'conv.author.system': 'turno', 'conv.author.note': 'Nota',
    'conv.author.business_app': 'App Business', 'conv.edited': 'editada', 'conv.deleted': 'Esta mensagem foi apagada', 'conv.history': 'Versões anteriores', 'conv.call.missed': 'Chamada perdida', 'conv.call.answered': 'Chamada', 'conv.system.user_changed_number': 'O cliente mudou de número', 'conv.system.customer_identity_changed': 'O código de segurança do cliente mudou', 'conv.system.other': 'Aviso do WhatsApp',
    'conv.location': 'Localização', 'conv.media': 'Anexo', 'conv.contacts': 'Contatos', 'conv.reaction': 'Reação', 'conv.unsupported': 'Mensagem não suportada',
    'conv.done': 'Feito', 'conv.error': 'Não foi possível: {message}',
    'dash.title': 'Painel de supervisão', 'dash.online': 'Atendentes', 'dash.online.count': '{n} disponíveis', 'dash.queues': 'Filas',
    'dash.breaches': 'Violações de SLA hoje', 'dash.frt': 'Primeira resposta', 'dash.rt': 'Resolução',
    'dash.compliance': 'Cumprimento de SLA', 'dash.deflection': 'Resolvidos pelo bot', 'dash.csat': 'CSAT',
    'dash.median': 'mediana', 'dash.p90': 'p90', 'dash.depth': 'aguardando', 'dash.longest': 'maior espera', 'dash.load': '{load} / {capacity}',
    'dash.breached.list': 'Tickets violados', 'dash.forbidden': 'O painel é para supervisores.', 'dash.nodata': 'sem dados ainda',
    'sandbox.title': 'Cliente de teste', 'sandbox.hint': 'Converse com o bot como um cliente do WhatsApp. Peça um atendente e veja a transferência chegar na caixa de entrada.',
    'sandbox.phone': 'Telefone', 'sandbox.name': 'Nome', 'sandbox.placeholder': 'Mensagem… (tente: olá)', 'sandbox.send': 'Enviar',
    'notify.assigned': 'Nova conversa atribuída: {name}', 'notify.enable': 'Ativar notificações',
    'live.offline': 'Reconectando…',
  },
};

export const LANGS = [['es', 'Español'], ['en', 'English'], ['pt', 'Português']];
const KEY = 'turno.lang';

function initial() {
  const saved = localStorage.getItem(KEY);
  if (saved && dict[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const short = String(l).slice(0, 2).toLowerCase();
    if (dict[short]) return short;
  }
  return 'en';
}

let lang = initial();
const listeners = new Set();

export function currentLang() { return lang; }

export function setLang(l) {
  if (!dict[l] || l === lang) return;
  lang = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

export function onLangChange(f) { listeners.add(f); }

export function t(key, vars) {
  let s = dict[lang][key] ?? dict.en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/// Every dictionary has the same keys (checked by the browser tests).
export function missingKeys() {
  const out = [];
  for (const l of Object.keys(dict)) {
    for (const k of Object.keys(dict.en)) if (!(k in dict[l])) out.push(`${l}:${k}`);
  }
  return out;
}

document.documentElement.lang = lang;
