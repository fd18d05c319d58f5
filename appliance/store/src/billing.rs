//! CRM accounts, bills and appointments (schema step v13): what the IVR's
//! `account_balance`, `bill` and `appointment` look-ups read, and what admins and
//! supervisors keep up to date through the REST API (`/api/v1/crm/...`).
//!
//! - An **account** has a unique number (what a caller keys in the IVR), belongs to a CRM
//!   customer, and has a balance in minor units (fen, cents) of its ISO 4217 currency.
//! - A **bill** belongs to an account: its period (`2026-10`), amount, due date
//!   (`YYYY-MM-DD`) and status (`open`, `paid`); one bill per account and period.
//! - An **appointment** belongs to a customer (and optionally one of its accounts): its
//!   start, what it is for, and its status (`booked`, `confirmed`, `cancelled`).
//!
//! Not here: payments or a ledger (the balance is a figure the back office writes), and
//! any reminder calls. Deleting a customer deletes its accounts, bills and appointments.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use crate::config::text_enum;
use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

/// An amount in minor units as the IVR look-ups give it: `12345` → `123.45`, `-5` →
/// `-0.05`.
#[must_use]
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// `(YYYY-MM-DD, HH:MM)` of `t` in UTC, as the appointment look-up gives it; two empty
/// strings beyond the calendar's ±9999 years.
#[must_use]
pub fn utc_date_time(t: Timestamp) -> (String, String) {
    match time::OffsetDateTime::from_unix_timestamp(t.0.div_euclid(1_000_000)) {
        Ok(d) => (
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            format!("{:02}:{:02}", d.hour(), d.minute()),
        ),
        Err(_) => (String::new(), String::new()),
    }
}

/// A look-up the IVR asks of the store ([`Store::look_up`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookUp {
    /// A customer by phone number (any written form): `id`, `name`, `company`, `vip`,
    /// `account_owner`.
    CustomerByPhone,
    /// An account by number: `account`, `customer_id`, `name`, `balance_cents` (minor
    /// units, negative when in credit), `balance` (`123.45`), `currency`, `in_credit`
    /// (`true`/`false`).
    AccountBalance,
    /// An account's latest bill: `account`, `period`, `amount_cents`, `amount`,
    /// `currency`, `due` (`YYYY-MM-DD`), `status` (`open`/`paid`).
    Bill,
    /// The next appointment from `now` of an account number, else of a phone number:
    /// `what`, `status` (`booked`/`confirmed`/`cancelled`), `start_unix`, `date`
    /// (`YYYY-MM-DD`), `time` (`HH:MM`), `when` (`YYYY-MM-DD HH:MM`), all UTC.
    Appointment,
}

fn vars<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn decimals_and_dates() {
        assert_eq!(decimal(12_345), "123.45");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(decimal(0), "0.00");
        assert_eq!(
            utc_date_time(Timestamp::from_secs(0)),
            ("1970-01-01".into(), "00:00".into())
        );
        assert_eq!(
            utc_date_time(Timestamp::from_secs(1_709_210_096)),
            ("2024-02-29".into(), "12:34".into())
        );
        assert_eq!(
            utc_date_time(Timestamp(i64::MAX)),
            (String::new(), String::new())
        );
    }
}

text_enum!(
    /// Whether a bill is paid.
    BillStatus { /** Not paid yet. */ Open = "open", /** Paid. */ Paid = "paid" }
);
text_enum!(
    /// Where an appointment stands.
    AppointmentStatus { /** Booked by the customer or the office. */ Booked = "booked", /** Confirmed. */ Confirmed = "confirmed", /** Cancelled. */ Cancelled = "cancelled" }
);

/// An account's fields (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Account number: 1–32 digits, unique.
    pub number: String,
    /// Owning CRM customer.
    pub customer_id: i64,
    /// Balance in minor units (negative: in credit).
    pub balance_minor: i64,
    /// ISO 4217 currency (`CNY`).
    pub currency: String,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Account number.
    pub number: String,
    /// Owning customer.
    pub customer_id: i64,
    /// Balance in minor units.
    pub balance_minor: i64,
    /// ISO 4217 currency.
    pub currency: String,
}

/// A bill's fields (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillConfig {
    /// The account billed.
    pub account_id: i64,
    /// Billing period, `YYYY-MM`.
    pub period: String,
    /// Amount in minor units of the account's currency (0 or more).
    pub amount_minor: i64,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: String,
    /// Paid or not.
    pub status: BillStatus,
}

/// A stored bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// Row id.
    pub id: i64,
    /// Its fields.
    pub config: BillConfig,
}

/// An appointment's fields (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentConfig {
    /// The customer.
    pub customer_id: i64,
    /// One of the customer's accounts, if it is about one.
    pub account_id: Option<i64>,
    /// When it starts.
    pub start: Timestamp,
    /// What it is for (1–200 characters).
    pub what: String,
    /// Where it stands.
    pub status: AppointmentStatus,
}

/// A stored appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Row id.
    pub id: i64,
    /// Its fields.
    pub config: AppointmentConfig,
}

fn check_digits(field: &'static str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.is_empty() {
        return Err(Invalid::new(field, Rule::Empty));
    }
    if s.len() > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(field, Rule::BadChars { allowed: "digits" }));
    }
    Ok(())
}

/// `YYYY-MM` (`with_day` false) or `YYYY-MM-DD` with a month 01–12 and a day 01–31.
fn check_date(field: &'static str, s: &str, with_day: bool) -> Result<(), Invalid> {
    let bad = || {
        Invalid::new(
            field,
            Rule::BadChars {
                allowed: if with_day { "YYYY-MM-DD" } else { "YYYY-MM" },
            },
        )
    };
    let parts: Vec<&str> = s.split('-').collect();
    let want = if with_day { 3 } else { 2 };
    if parts.len() != want
        || parts[0].len() != 4
        || parts[1..].iter().any(|p| p.len() != 2)
        || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let month: u32 = parts[1].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    if with_day {
        let day: u32 = parts[2].parse().map_err(|_| bad())?;
        if !(1..=31).contains(&day) {
            return Err(bad());
        }
    }
    Ok(())
}

fn check_currency(field: &'static str, c: &str) -> Result<(), Invalid> {
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: "three letters A-Z",
            },
        ));
    }
    Ok(())
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        number: r.get(1)?,
        customer_id: r.get(2)?,
        balance_minor: r.get(3)?,
        currency: r.get(4)?,
    })
}

const ACCOUNT_COLS: &str = "id, number, customer_id, balance_minor, currency";
const BILL_COLS: &str = "id, account_id, period, amount_minor, due_date, status";
const APPT_COLS: &str = "id, customer_id, account_id, start_ts, what, status";

fn bill_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, BillConfig, String)> {
    let status: String = r.get(5)?;
    Ok((
        r.get(0)?,
        BillConfig {
            account_id: r.get(1)?,
            period: r.get(2)?,
            amount_minor: r.get(3)?,
            due_date: r.get(4)?,
            status: BillStatus::Open,
        },
        status,
    ))
}

fn bill((id, mut config, status): (i64, BillConfig, String)) -> Result<Bill> {
    config.status = BillStatus::parse(&status).ok_or(StoreError::BadStoredValue {
        table: "bills",
        column: "status",
    })?;
    Ok(Bill { id, config })
}

fn appt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, AppointmentConfig, String)> {
    let status: String = r.get(5)?;
    Ok((
        r.get(0)?,
        AppointmentConfig {
            customer_id: r.get(1)?,
            account_id: r.get(2)?,
            start: Timestamp(r.get(3)?),
            what: r.get(4)?,
            status: AppointmentStatus::Booked,
        },
        status,
    ))
}

fn appt((id, mut config, status): (i64, AppointmentConfig, String)) -> Result<Appointment> {
    config.status = AppointmentStatus::parse(&status).ok_or(StoreError::BadStoredValue {
        table: "appointments",
        column: "status",
    })?;
    Ok(Appointment { id, config })
}

impl Store {
    /// Answers an IVR look-up: the variables [`LookUp`] lists, `None` when there is no such
    /// record. The daemon and the IVR's tests share this one mapping.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn look_up(
        &self,
        what: LookUp,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<BTreeMap<String, String>>> {
        Ok(match what {
            LookUp::CustomerByPhone => self.customer_by_phone(key)?.map(|c| {
                vars([
                    ("id", c.id.to_string()),
                    ("name", c.name),
                    ("company", c.company),
                    ("vip", c.vip.to_string()),
                    ("account_owner", c.account_owner.unwrap_or_default()),
                ])
            }),
            LookUp::AccountBalance => match self.account_by_number(key)? {
                Some(a) => {
                    let name = self
                        .customer(a.customer_id)?
                        .map(|c| c.name)
                        .unwrap_or_default();
                    Some(vars([
                        ("account", a.number),
                        ("customer_id", a.customer_id.to_string()),
                        ("name", name),
                        ("balance_cents", a.balance_minor.to_string()),
                        ("balance", decimal(a.balance_minor)),
                        ("currency", a.currency),
                        ("in_credit", (a.balance_minor < 0).to_string()),
                    ]))
                }
                None => None,
            },
            LookUp::Bill => match self.account_by_number(key)? {
                Some(a) => self.latest_bill(a.id)?.map(|b| {
                    vars([
                        ("account", a.number),
                        ("period", b.config.period),
                        ("amount_cents", b.config.amount_minor.to_string()),
                        ("amount", decimal(b.config.amount_minor)),
                        ("currency", a.currency),
                        ("due", b.config.due_date),
                        ("status", b.config.status.as_str().to_owned()),
                    ])
                }),
                None => None,
            },
            LookUp::Appointment => self.next_appointment(key, now)?.map(|ap| {
                let (date, time) = utc_date_time(ap.config.start);
                vars([
                    ("what", ap.config.what),
                    ("status", ap.config.status.as_str().to_owned()),
                    (
                        "start_unix",
                        ap.config.start.0.div_euclid(1_000_000).to_string(),
                    ),
                    ("when", format!("{date} {time}")),
                    ("date", date),
                    ("time", time),
                ])
            }),
        })
    }

    fn exists(&self, table: &str, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
            .exists([id])?)
    }

    fn check_account(&self, a: &AccountConfig, id: Option<i64>) -> Result<()> {
        check_digits("account.number", &a.number, 32)?;
        check_currency("account.currency", &a.currency)?;
        if !self.exists("customers", a.customer_id)? {
            return Err(Invalid::new("account.customer_id", Rule::NoSuchReference).into());
        }
        let other: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM accounts WHERE number = ?1",
                [&a.number],
                |r| r.get(0),
            )
            .optional()?;
        if other.is_some_and(|o| Some(o) != id) {
            return Err(Invalid::new("account.number", Rule::Duplicate).into());
        }
        Ok(())
    }

    /// Creates an account.
    ///
    /// # Errors
    /// [`StoreError::Invalid`]: number not 1–32 digits or already used
    /// (`account.number`), unknown customer, currency not three capital letters.
    pub fn create_account(&mut self, a: &AccountConfig) -> Result<i64> {
        self.check_account(a, None)?;
        self.conn.execute(
            "INSERT INTO accounts(number, customer_id, balance_minor, currency) VALUES (?1, ?2, ?3, ?4)",
            params![a.number, a.customer_id, a.balance_minor, a.currency],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces account `id`'s fields.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; as [`Self::create_account`].
    pub fn update_account(&mut self, id: i64, a: &AccountConfig) -> Result<()> {
        if !self.exists("accounts", id)? {
            return Err(StoreError::NotFound {
                entity: Entity::Account,
                id,
            });
        }
        self.check_account(a, Some(id))?;
        self.conn.execute(
            "UPDATE accounts SET number = ?1, customer_id = ?2, balance_minor = ?3, currency = ?4 WHERE id = ?5",
            params![a.number, a.customer_id, a.balance_minor, a.currency, id],
        )?;
        Ok(())
    }

    /// Account `id`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn account(&self, id: i64) -> Result<Option<Account>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"
            ))?
            .query_row([id], account_row)
            .optional()?)
    }

    /// The account with this number (what a caller keys in the IVR).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn account_by_number(&self, number: &str) -> Result<Option<Account>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts WHERE number = ?1"
            ))?
            .query_row([number], account_row)
            .optional()?)
    }

    /// Accounts of one customer, or every account (`None`), by number; at most `limit`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn accounts(&self, customer_id: Option<i64>, limit: u32) -> Result<Vec<Account>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE ?1 IS NULL OR customer_id = ?1 ORDER BY number LIMIT ?2"
        ))?;
        Ok(s.query_map(params![customer_id, limit], account_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn check_bill(&self, b: &BillConfig, id: Option<i64>) -> Result<()> {
        check_date("bill.period", &b.period, false)?;
        check_date("bill.due_date", &b.due_date, true)?;
        if b.amount_minor < 0 {
            return Err(Invalid::new(
                "bill.amount_minor",
                Rule::OutOfRange {
                    min: 0,
                    max: i64::MAX,
                },
            )
            .into());
        }
        if !self.exists("accounts", b.account_id)? {
            return Err(Invalid::new("bill.account_id", Rule::NoSuchReference).into());
        }
        let other: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM bills WHERE account_id = ?1 AND period = ?2",
                params![b.account_id, b.period],
                |r| r.get(0),
            )
            .optional()?;
        if other.is_some_and(|o| Some(o) != id) {
            return Err(Invalid::new("bill.period", Rule::Duplicate).into());
        }
        Ok(())
    }

    /// Adds a bill.
    ///
    /// # Errors
    /// [`StoreError::Invalid`]: period not `YYYY-MM` or already billed for the account,
    /// due date not `YYYY-MM-DD`, negative amount, unknown account.
    pub fn add_bill(&mut self, b: &BillConfig) -> Result<i64> {
        self.check_bill(b, None)?;
        self.conn.execute(
            "INSERT INTO bills(account_id, period, amount_minor, due_date, status) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![b.account_id, b.period, b.amount_minor, b.due_date, b.status.as_str()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces bill `id`'s fields (e.g. marks it paid).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; as [`Self::add_bill`].
    pub fn update_bill(&mut self, id: i64, b: &BillConfig) -> Result<()> {
        if !self.exists("bills", id)? {
            return Err(StoreError::NotFound {
                entity: Entity::Bill,
                id,
            });
        }
        self.check_bill(b, Some(id))?;
        self.conn.execute(
            "UPDATE bills SET account_id = ?1, period = ?2, amount_minor = ?3, due_date = ?4, status = ?5 WHERE id = ?6",
            params![b.account_id, b.period, b.amount_minor, b.due_date, b.status.as_str(), id],
        )?;
        Ok(())
    }

    /// An account's bills, latest period first.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`].
    pub fn bills(&self, account_id: i64) -> Result<Vec<Bill>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {BILL_COLS} FROM bills WHERE account_id = ?1 ORDER BY period DESC, id DESC"
        ))?;
        let rows = s
            .query_map([account_id], bill_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(bill).collect()
    }

    /// An account's bill of the latest period.
    ///
    /// # Errors
    /// As [`Self::bills`].
    pub fn latest_bill(&self, account_id: i64) -> Result<Option<Bill>> {
        Ok(self.bills(account_id)?.into_iter().next())
    }

    fn check_appointment(&self, a: &AppointmentConfig) -> Result<()> {
        if a.what.trim().is_empty() {
            return Err(Invalid::new("appointment.what", Rule::Empty).into());
        }
        if a.what.chars().count() > 200 {
            return Err(Invalid::new("appointment.what", Rule::TooLong { max: 200 }).into());
        }
        if !self.exists("customers", a.customer_id)? {
            return Err(Invalid::new("appointment.customer_id", Rule::NoSuchReference).into());
        }
        if let Some(acc) = a.account_id {
            match self.account(acc)? {
                None => {
                    return Err(
                        Invalid::new("appointment.account_id", Rule::NoSuchReference).into(),
                    );
                }
                Some(x) if x.customer_id != a.customer_id => {
                    return Err(Invalid::new(
                        "appointment.account_id",
                        Rule::Conflicts {
                            other: "appointment.customer_id",
                        },
                    )
                    .into());
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Books an appointment.
    ///
    /// # Errors
    /// [`StoreError::Invalid`]: empty or over-long `what`, unknown customer or account, an
    /// account of another customer.
    pub fn add_appointment(&mut self, a: &AppointmentConfig) -> Result<i64> {
        self.check_appointment(a)?;
        self.conn.execute(
            "INSERT INTO appointments(customer_id, account_id, start_ts, what, status) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.customer_id, a.account_id, a.start.0, a.what, a.status.as_str()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces appointment `id`'s fields (moves, confirms or cancels it).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; as [`Self::add_appointment`].
    pub fn update_appointment(&mut self, id: i64, a: &AppointmentConfig) -> Result<()> {
        if !self.exists("appointments", id)? {
            return Err(StoreError::NotFound {
                entity: Entity::Appointment,
                id,
            });
        }
        self.check_appointment(a)?;
        self.conn.execute(
            "UPDATE appointments SET customer_id = ?1, account_id = ?2, start_ts = ?3, what = ?4, status = ?5 WHERE id = ?6",
            params![a.customer_id, a.account_id, a.start.0, a.what, a.status.as_str(), id],
        )?;
        Ok(())
    }

    /// A customer's appointments, earliest first.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`].
    pub fn appointments(&self, customer_id: i64) -> Result<Vec<Appointment>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {APPT_COLS} FROM appointments WHERE customer_id = ?1 ORDER BY start_ts, id"
        ))?;
        let rows = s
            .query_map([customer_id], appt_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(appt).collect()
    }

    /// The IVR's appointment look-up: the next appointment (starting at `now` or later,
    /// whatever its status, so a caller hears a cancellation too) of the account with
    /// number `key`, else of the customer whose phone number `key` is.
    ///
    /// # Errors
    /// As [`Self::appointments`].
    pub fn next_appointment(&self, key: &str, now: Timestamp) -> Result<Option<Appointment>> {
        let (customer, account) = match self.account_by_number(key)? {
            Some(a) => (a.customer_id, Some(a.id)),
            None => match self.customer_by_phone(key)? {
                Some(c) => (c.id, None),
                None => return Ok(None),
            },
        };
        Ok(self.appointments(customer)?.into_iter().find(|a| {
            a.config.start >= now && (account.is_none() || a.config.account_id == account)
        }))
    }
}
