//! CRM accounts, bills and appointments over REST (`/api/v1/crm/...`, admins and
//! supervisors), and a queue's closed schedule (`/api/v1/queues/{id}/calendar`: the
//! business-hours calendar it is open by and where callers go while it is closed).
//!
//! The CRM rows are what the IVR's `account_balance`, `bill` and `appointment` look-ups
//! read (`store::billing`); they are data, not configuration, so they are not in the audit
//! log (as tickets and callbacks). The queue schedule is configuration: it goes through the
//! audited `SetQueueCalendar` command and applies on the next reload (SIGHUP).
//!
//! Not here: deleting accounts or bills (deleting the customer removes them), payments.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use store::Timestamp;
use store::billing::{
    Account, AccountConfig, Appointment, AppointmentConfig, AppointmentStatus, Bill, BillConfig,
    BillStatus,
};
use store::config::Command;
use store::queuehours::ClosedDestination;
use utoipa::ToSchema;

use crate::api::{Body, Changed};
use crate::desk::Created;
use crate::pages::run_command;
use crate::{Caller, WebError, WebState};

/// An account (create and update).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountDto {
    /// Account number, 1–32 digits, unique (what a caller keys in the IVR).
    pub number: String,
    /// Owning CRM customer.
    pub customer_id: i64,
    /// Balance in minor units (fen, cents); negative when in credit.
    pub balance_minor: i64,
    /// ISO 4217 currency, three capital letters.
    pub currency: String,
}

/// A stored account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountItem {
    /// Row id.
    pub id: i64,
    /// Its fields.
    #[serde(flatten)]
    pub account: AccountDto,
}

impl From<Account> for AccountItem {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            account: AccountDto {
                number: a.number,
                customer_id: a.customer_id,
                balance_minor: a.balance_minor,
                currency: a.currency,
            },
        }
    }
}

impl From<AccountDto> for AccountConfig {
    fn from(d: AccountDto) -> Self {
        Self {
            number: d.number,
            customer_id: d.customer_id,
            balance_minor: d.balance_minor,
            currency: d.currency,
        }
    }
}

/// A bill (create and update).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillDto {
    /// The account billed.
    pub account_id: i64,
    /// Billing period, `YYYY-MM` (one bill per account and period).
    pub period: String,
    /// Amount in minor units of the account's currency.
    pub amount_minor: i64,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: String,
    /// `open` or `paid`.
    pub status: String,
}

/// A stored bill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillItem {
    /// Row id.
    pub id: i64,
    /// Its fields.
    #[serde(flatten)]
    pub bill: BillDto,
}

impl From<Bill> for BillItem {
    fn from(b: Bill) -> Self {
        let c = b.config;
        Self {
            id: b.id,
            bill: BillDto {
                account_id: c.account_id,
                period: c.period,
                amount_minor: c.amount_minor,
                due_date: c.due_date,
                status: c.status.as_str().into(),
            },
        }
    }
}

impl TryFrom<BillDto> for BillConfig {
    type Error = WebError;
    fn try_from(d: BillDto) -> Result<Self, WebError> {
        Ok(Self {
            status: BillStatus::parse(&d.status).ok_or_else(|| {
                WebError::invalid("bill.status", format!("unknown value `{}`", d.status))
            })?,
            account_id: d.account_id,
            period: d.period,
            amount_minor: d.amount_minor,
            due_date: d.due_date,
        })
    }
}

/// An appointment (create and update).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentDto {
    /// The customer.
    pub customer_id: i64,
    /// One of the customer's accounts, if it is about one.
    #[serde(default)]
    pub account_id: Option<i64>,
    /// Start, µs since the Unix epoch.
    pub start_us: i64,
    /// What it is for.
    pub what: String,
    /// `booked`, `confirmed` or `cancelled`.
    pub status: String,
}

/// A stored appointment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentItem {
    /// Row id.
    pub id: i64,
    /// Its fields.
    #[serde(flatten)]
    pub appointment: AppointmentDto,
}

impl From<Appointment> for AppointmentItem {
    fn from(a: Appointment) -> Self {
        let c = a.config;
        Self {
            id: a.id,
            appointment: AppointmentDto {
                customer_id: c.customer_id,
                account_id: c.account_id,
                start_us: c.start.0,
                what: c.what,
                status: c.status.as_str().into(),
            },
        }
    }
}

impl TryFrom<AppointmentDto> for AppointmentConfig {
    type Error = WebError;
    fn try_from(d: AppointmentDto) -> Result<Self, WebError> {
        Ok(Self {
            status: AppointmentStatus::parse(&d.status).ok_or_else(|| {
                WebError::invalid(
                    "appointment.status",
                    format!("unknown value `{}`", d.status),
                )
            })?,
            customer_id: d.customer_id,
            account_id: d.account_id,
            start: Timestamp(d.start_us),
            what: d.what,
        })
    }
}

/// Which accounts to list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct AccountQuery {
    /// Only this customer's accounts.
    #[serde(default)]
    pub customer_id: Option<i64>,
}

/// Accounts listed at most.
const MAX_ACCOUNTS: u32 = 500;

/// List accounts (by number; at most 500), of one customer or all.
#[utoipa::path(get, path = "/api/v1/crm/accounts", tag = "crm", params(AccountQuery),
    responses((status = 200, body = Vec<AccountItem>)))]
pub async fn accounts(
    State(st): State<WebState>,
    Query(q): Query<AccountQuery>,
) -> Result<Json<Vec<AccountItem>>, WebError> {
    let v = st
        .db(move |s| s.accounts(q.customer_id, MAX_ACCOUNTS))
        .await?;
    Ok(Json(v.into_iter().map(AccountItem::from).collect()))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/crm/accounts", tag = "crm", request_body = AccountDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn account_create(
    State(st): State<WebState>,
    Body(d): Body<AccountDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let c = AccountConfig::from(d);
    let id = st.db(move |s| s.create_account(&c)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace an account's fields (e.g. its balance).
#[utoipa::path(put, path = "/api/v1/crm/accounts/{id}", tag = "crm", request_body = AccountDto,
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn account_update(
    State(st): State<WebState>,
    Path(id): Path<i64>,
    Body(d): Body<AccountDto>,
) -> Result<Json<Created>, WebError> {
    let c = AccountConfig::from(d);
    st.db(move |s| s.update_account(id, &c)).await?;
    Ok(Json(Created { id }))
}

/// An account's bills, latest period first.
#[utoipa::path(get, path = "/api/v1/crm/accounts/{id}/bills", tag = "crm",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Vec<BillItem>)))]
pub async fn bills(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<BillItem>>, WebError> {
    let v = st.db(move |s| s.bills(id)).await?;
    Ok(Json(v.into_iter().map(BillItem::from).collect()))
}

/// Add a bill.
#[utoipa::path(post, path = "/api/v1/crm/bills", tag = "crm", request_body = BillDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn bill_create(
    State(st): State<WebState>,
    Body(d): Body<BillDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let c = BillConfig::try_from(d)?;
    let id = st.db(move |s| s.add_bill(&c)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace a bill's fields (e.g. mark it paid).
#[utoipa::path(put, path = "/api/v1/crm/bills/{id}", tag = "crm", request_body = BillDto,
    params(("id" = i64, Path, description = "Bill id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn bill_update(
    State(st): State<WebState>,
    Path(id): Path<i64>,
    Body(d): Body<BillDto>,
) -> Result<Json<Created>, WebError> {
    let c = BillConfig::try_from(d)?;
    st.db(move |s| s.update_bill(id, &c)).await?;
    Ok(Json(Created { id }))
}

/// A customer's appointments, earliest first.
#[utoipa::path(get, path = "/api/v1/crm/customers/{id}/appointments", tag = "crm",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = Vec<AppointmentItem>)))]
pub async fn appointments(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AppointmentItem>>, WebError> {
    let v = st.db(move |s| s.appointments(id)).await?;
    Ok(Json(v.into_iter().map(AppointmentItem::from).collect()))
}

/// Book an appointment.
#[utoipa::path(post, path = "/api/v1/crm/appointments", tag = "crm", request_body = AppointmentDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn appointment_create(
    State(st): State<WebState>,
    Body(d): Body<AppointmentDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let c = AppointmentConfig::try_from(d)?;
    let id = st.db(move |s| s.add_appointment(&c)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace an appointment's fields (move, confirm or cancel it).
#[utoipa::path(put, path = "/api/v1/crm/appointments/{id}", tag = "crm", request_body = AppointmentDto,
    params(("id" = i64, Path, description = "Appointment id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn appointment_update(
    State(st): State<WebState>,
    Path(id): Path<i64>,
    Body(d): Body<AppointmentDto>,
) -> Result<Json<Created>, WebError> {
    let c = AppointmentConfig::try_from(d)?;
    st.db(move |s| s.update_appointment(id, &c)).await?;
    Ok(Json(Created { id }))
}

/// A queue's closed schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueCalendarDto {
    /// The business-hours calendar the queue is open by (`null`: always open).
    #[serde(default)]
    pub hours_id: Option<i64>,
    /// Where callers go while it is closed (needs `hours_id`): `hangup`, `voicemail:702`,
    /// `queue:support`, `ivr:main`, or a number dialled through the dial plan (`1001`,
    /// `8000`, `013800138000`). `null`: the closed message, then hang-up.
    #[serde(default)]
    pub closed_to: Option<String>,
}

/// Parses a closed destination's text form (`queue.closed_to` names a bad one).
///
/// # Errors
/// A 422 naming `queue.closed_to`.
pub fn parse_closed(text: Option<&str>) -> Result<Option<ClosedDestination>, WebError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            ClosedDestination::parse(t).map_err(|e| WebError::from(store::StoreError::from(e)))
        })
        .transpose()
}

/// A queue's calendar and closed destination.
#[utoipa::path(get, path = "/api/v1/queues/{id}/calendar", tag = "queues",
    params(("id" = i64, Path, description = "Queue id")),
    responses((status = 200, body = QueueCalendarDto)))]
pub async fn queue_calendar(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<QueueCalendarDto>, WebError> {
    let s = st.db(move |s| s.queue_schedule(id)).await?;
    Ok(Json(QueueCalendarDto {
        hours_id: s.as_ref().map(|s| s.hours_id),
        closed_to: s.and_then(|s| s.closed).map(|c| c.to_text()),
    }))
}

/// Set a queue's calendar and closed destination (audited; applies on reload).
#[utoipa::path(put, path = "/api/v1/queues/{id}/calendar", tag = "queues", request_body = QueueCalendarDto,
    params(("id" = i64, Path, description = "Queue id")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn queue_calendar_set(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<QueueCalendarDto>,
) -> Result<Json<Changed>, WebError> {
    let closed = parse_closed(d.closed_to.as_deref())?;
    let c = run_command(
        &st,
        &caller,
        Command::SetQueueCalendar {
            queue: id,
            hours: d.hours_id,
            closed,
        },
    )
    .await?;
    Ok(Json(Changed {
        revision: c.revision,
        id: c.id,
    }))
}

pub(crate) fn routes() -> Router<WebState> {
    Router::new()
        .route("/api/v1/crm/accounts", get(accounts).post(account_create))
        .route("/api/v1/crm/accounts/{id}", put(account_update))
        .route("/api/v1/crm/accounts/{id}/bills", get(bills))
        .route("/api/v1/crm/bills", axum::routing::post(bill_create))
        .route("/api/v1/crm/bills/{id}", put(bill_update))
        .route("/api/v1/crm/customers/{id}/appointments", get(appointments))
        .route(
            "/api/v1/crm/appointments",
            axum::routing::post(appointment_create),
        )
        .route("/api/v1/crm/appointments/{id}", put(appointment_update))
        .route(
            "/api/v1/queues/{id}/calendar",
            get(queue_calendar).put(queue_calendar_set),
        )
}
