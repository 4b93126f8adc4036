//! The WhatsApp port in sandbox mode: with no WhatsApp credentials, the local runner keeps
//! every outbound message in the database for the sandbox chat page to show.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;
use turno_core::channel::message::{MediaFile, Outbound};
use turno_core::channel::template_form::HeaderFormat;
use turno_core::channel::templates::{ListedTemplate, SyncedHeader, TemplateCategory};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{MediaError, SendError, WhatsApp};

use crate::db::{Db, DbError};
use crate::time::nanos;

/// Graph API's code for an invalid parameter, which is how WhatsApp refuses a message that
/// breaks its limits.
const INVALID_PARAMETER: i64 = 100;

/// The most messages [`SandboxWhatsApp::messages`] returns per call.
pub const SANDBOX_PAGE: u32 = 500;

/// One message turno sent in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxMessage {
    /// Increasing across the sandbox: poll with the last one seen.
    pub seq: i64,
    /// The workspace that sent it.
    pub workspace: WorkspaceId,
    /// The customer it was sent to.
    pub to: WaId,
    /// The `wamid.sandbox.…` id returned to the sender.
    pub id: MessageId,
    /// What was sent.
    pub message: Outbound,
    /// When it was sent.
    pub at: Timestamp,
}

/// [`WhatsApp`] that sends nothing anywhere: it checks each message against WhatsApp's limits
/// as the Graph API would, stores it in the `sandbox_outbox` table and returns a generated
/// `wamid.sandbox.<uuid>` id.
#[derive(Clone, Debug)]
pub struct SandboxWhatsApp {
    db: Db,
}

impl SandboxWhatsApp {
    /// The sandbox channel on `db`.
    pub fn new(db: Db) -> Self {
        SandboxWhatsApp { db }
    }

    /// Messages sent in `ws` (to `customer` only, if given) after sequence number `after_seq`,
    /// oldest first, at most [`SANDBOX_PAGE`] per call.
    pub fn messages(
        &self,
        ws: &WorkspaceId,
        customer: Option<&WaId>,
        after_seq: i64,
    ) -> anyhow::Result<Vec<SandboxMessage>> {
        let (ws, customer) = (ws.clone(), customer.cloned());
        self.db
            .read_blocking(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, customer, message_id, body, at FROM sandbox_outbox
                     WHERE workspace = ?1 AND (?2 IS NULL OR customer = ?2) AND seq > ?3
                     ORDER BY seq LIMIT ?4",
                )?;
                let rows = stmt.query_map(
                    params![
                        ws.as_str(),
                        customer.as_ref().map(WaId::as_str),
                        after_seq,
                        SANDBOX_PAGE
                    ],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    },
                )?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, to, id, body, at) = row?;
                    out.push(SandboxMessage {
                        seq,
                        workspace: ws.clone(),
                        to: WaId::parse(to).map_err(|e| DbError::Other(e.into()))?,
                        id: MessageId::parse(id).map_err(|e| DbError::Other(e.into()))?,
                        message: serde_json::from_str(&body)?,
                        at: Timestamp::from_nanosecond(i128::from(at))
                            .map_err(|e| DbError::Other(e.into()))?,
                    });
                }
                Ok(out)
            })
            .map_err(|e| e.into_anyhow("read the sandbox outbox"))
    }
}

impl SandboxWhatsApp {
    /// The largest media the sandbox keeps, as WhatsApp's own limit for documents.
    pub const MEDIA_MAX_BYTES: usize = 100 * 1024 * 1024;

    /// Keeps media as if a customer had sent it through WhatsApp, and returns its media id,
    /// for a sandbox message to carry.
    pub fn put_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        bytes: &[u8],
    ) -> anyhow::Result<String> {
        crate::wait::wait(self.keep_media(ws, mime_type, bytes.to_vec()))?
    }

    /// [`SandboxWhatsApp::put_media`] for async callers: awaits the commit without blocking
    /// the thread.
    pub async fn keep_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<String> {
        anyhow::ensure!(
            bytes.len() <= Self::MEDIA_MAX_BYTES,
            "sandbox media is limited to {} bytes",
            Self::MEDIA_MAX_BYTES
        );
        // Digits only, like WhatsApp's media ids.
        let id = (uuid::Uuid::now_v7().as_u128() % 10u128.pow(16)).to_string();
        let (ws, mime_type, stored_id) = (ws.clone(), mime_type.to_owned(), id.clone());
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO sandbox_media (workspace, media_id, mime_type, bytes, at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    ws.as_str(),
                    stored_id,
                    mime_type,
                    bytes,
                    nanos(Timestamp::now())
                ])?;
                Ok::<_, DbError>(())
            })
            .await
            .map_err(|e| e.into_anyhow("store sandbox media"))?;
        Ok(id)
    }
}

/// The sandbox's business account's templates: an approved one in three languages with a
/// text header and a button, one approved with an image header, one rejected.
fn sandbox_templates() -> Vec<ListedTemplate> {
    let t = |name: &str, language: &str, status: &str, body: &str| ListedTemplate {
        name: name.into(),
        language: language.into(),
        status: status.into(),
        category: Some(TemplateCategory::Utility),
        header: None,
        body: Some(body.into()),
        buttons: Vec::new(),
    };
    let shipped = |language: &str, header: &str, body: &str, button: &str| ListedTemplate {
        header: Some(SyncedHeader {
            format: HeaderFormat::Text,
            text: Some(header.into()),
        }),
        buttons: vec![button.into()],
        ..t("pedido_enviado", language, "APPROVED", body)
    };
    vec![
        shipped(
            "es",
            "Pedido en camino",
            "Hola {{1}}, tu pedido {{2}} ya salió. Llega en 2 días hábiles.",
            "Gracias",
        ),
        shipped(
            "en_US",
            "Order on its way",
            "Hi {{1}}, your order {{2}} has shipped. It arrives in 2 business days.",
            "Thanks",
        ),
        shipped(
            "pt_BR",
            "Pedido a caminho",
            "Olá {{1}}, seu pedido {{2}} foi enviado. Chega em 2 dias úteis.",
            "Obrigado",
        ),
        ListedTemplate {
            header: Some(SyncedHeader {
                format: HeaderFormat::Image,
                text: None,
            }),
            ..t(
                "factura_disponible",
                "es",
                "APPROVED",
                "Hola {{1}}, tu factura del pedido {{2}} está lista.",
            )
        },
        ListedTemplate {
            category: Some(TemplateCategory::Marketing),
            ..t(
                "promo_verano",
                "es",
                "REJECTED",
                "¡{{1}}% de descuento este verano!",
            )
        },
    ]
}

#[async_trait]
impl WhatsApp for SandboxWhatsApp {
    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError> {
        let (ws, media_id) = (ws.clone(), media_id.to_owned());
        let found = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT mime_type, bytes FROM sandbox_media WHERE workspace = ?1 AND media_id = ?2",
                )?;
                let mut rows = stmt.query(params![ws.as_str(), media_id.as_str()])?;
                match rows.next()? {
                    Some(r) => Ok(Some(MediaFile {
                        mime_type: r.get(0)?,
                        bytes: r.get(1)?,
                    })),
                    None => Ok::<_, DbError>(None),
                }
            })
            .await
            .map_err(|e| MediaError::Unavailable(format!("{:#}", e.into_anyhow("sandbox media"))))?;
        found.ok_or(MediaError::NotFound)
    }

    /// Kept as the customer's media is, so the sandbox page and the console open it by id.
    async fn upload_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        _filename: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SendError> {
        self.keep_media(ws, mime_type, bytes)
            .await
            .map_err(|e| SendError::Unavailable(format!("{e:#}")))
    }

    /// A small fixed list, so a demo's sync shows templates as a business account would.
    async fn message_templates(
        &self,
        _ws: &WorkspaceId,
        _waba_id: &str,
    ) -> Result<Vec<ListedTemplate>, SendError> {
        Ok(sandbox_templates())
    }

    async fn mark_read(&self, _ws: &WorkspaceId, _message: &MessageId) -> Result<(), SendError> {
        // The sandbox customer sees no ticks.
        Ok(())
    }

    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError> {
        message.validate().map_err(|reason| SendError::Rejected {
            code: INVALID_PARAMETER,
            message: reason,
        })?;
        let id = MessageId::parse(format!("wamid.sandbox.{}", uuid::Uuid::now_v7().simple()))
            .map_err(|e| SendError::Unavailable(e.to_string()))?;
        let at = nanos(Timestamp::now());
        let body =
            serde_json::to_string(message).map_err(|e| SendError::Unavailable(e.to_string()))?;
        let (ws, to, stored_id) = (ws.clone(), to.clone(), id.clone());
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO sandbox_outbox (workspace, customer, message_id, body, at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    ws.as_str(),
                    to.as_str(),
                    stored_id.as_str(),
                    body,
                    at
                ])?;
                Ok::<_, DbError>(())
            })
            .await
            // The real client reports a storage-like failure as the channel being unavailable,
            // which the use cases retry.
            .map_err(|e| SendError::Unavailable(format!("{:#}", e.into_anyhow("sandbox send"))))?;
        Ok(id)
    }
}
