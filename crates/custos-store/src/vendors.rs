//! The vendor register: the third parties that receive customer data and the agreements that
//! let it flow to them (data processing agreements, joint-controller arrangements, data-sharing
//! agreements), with dates, the country of processing and the transfer mechanism.

use custos_core::{DpaId, Timestamp, VendorId, format_timestamp};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{StoreError, rows::*, tx::Tx};

/// A vendor as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorRecord {
    /// Id.
    pub vendor_id: VendorId,
    /// Its name (unique).
    pub name: String,
    /// `processor`, `sub_processor`, `joint_controller` or `recipient`.
    pub role: String,
    /// Where it is established (ISO 3166 alpha-2).
    pub country: String,
    /// For a sub-processor: the processor it works for.
    pub processor_id: Option<VendorId>,
    /// Its id in the IAB Global Vendor List, if it has one.
    pub gvl_vendor_id: Option<u32>,
    /// Purposes whose data is shared with it.
    pub purposes: Vec<String>,
    /// Data categories shared with it.
    pub data_categories: Vec<String>,
    /// AI systems that send it data.
    pub ai_system_ids: Vec<String>,
    /// `active` or `ended` (it receives nothing any more).
    pub status: String,
    /// Who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// An agreement with a vendor as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DpaRecord {
    /// Id.
    pub dpa_id: DpaId,
    /// The vendor.
    pub vendor_id: VendorId,
    /// `dpa`, `joint_arrangement` or `data_sharing`.
    pub kind: String,
    /// When it was signed (`YYYY-MM-DD`).
    pub signed_on: String,
    /// When it expires (`YYYY-MM-DD`; none: until terminated).
    pub expires_on: Option<String>,
    /// Where the data is processed under it (ISO 3166 alpha-2).
    pub country: String,
    /// How a transfer outside the EEA is made lawful.
    pub transfer_mechanism: String,
    /// The data categories it covers.
    pub data_categories: Vec<String>,
    /// The contract's reference (a number, a file name).
    pub reference: String,
    /// `active` or `terminated`.
    pub status: String,
    /// Who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn vendor_from(row: &AnyRow) -> Result<VendorRecord, StoreError> {
    let gvl: Option<i64> = row.try_get("gvl_vendor_id").map_err(|e| StoreError::Corrupt(format!("gvl_vendor_id: {e}")))?;
    Ok(VendorRecord {
        vendor_id: VendorId::parse(&text(row, "vendor_id")?)?,
        name: text(row, "name")?,
        role: text(row, "role")?,
        country: text(row, "country")?,
        processor_id: opt_text(row, "processor_id")?.map(|s| VendorId::parse(&s)).transpose()?,
        gvl_vendor_id: gvl.map(|v| u32::try_from(v).map_err(|e| StoreError::Corrupt(format!("gvl_vendor_id: {e}")))).transpose()?,
        purposes: json(row, "purposes")?,
        data_categories: json(row, "data_categories")?,
        ai_system_ids: json(row, "ai_system_ids")?,
        status: text(row, "status")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn dpa_from(row: &AnyRow) -> Result<DpaRecord, StoreError> {
    Ok(DpaRecord {
        dpa_id: DpaId::parse(&text(row, "dpa_id")?)?,
        vendor_id: VendorId::parse(&text(row, "vendor_id")?)?,
        kind: text(row, "kind")?,
        signed_on: text(row, "signed_on")?,
        expires_on: opt_text(row, "expires_on")?,
        country: text(row, "country")?,
        transfer_mechanism: text(row, "transfer_mechanism")?,
        data_categories: json(row, "data_categories")?,
        reference: text(row, "reference")?,
        status: text(row, "status")?,
        created_by: text(row, "created_by")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Stores a new vendor ([`StoreError::Conflict`] when the name is taken).
pub async fn insert(tx: &mut Tx, v: &VendorRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO vendors (vendor_id, name, role, country, processor_id, gvl_vendor_id, purposes, data_categories, ai_system_ids, \
         status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(v.vendor_id.to_string())
    .bind(v.name.clone())
    .bind(v.role.clone())
    .bind(v.country.clone())
    .bind(v.processor_id.as_ref().map(ToString::to_string))
    .bind(v.gvl_vendor_id.map(i64::from))
    .bind(to_json(&v.purposes))
    .bind(to_json(&v.data_categories))
    .bind(to_json(&v.ai_system_ids))
    .bind(v.status.clone())
    .bind(v.created_by.clone())
    .bind(format_timestamp(&v.created_at))
    .bind(format_timestamp(&v.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces a vendor's changeable fields; false if there is none.
pub async fn update(tx: &mut Tx, v: &VendorRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE vendors SET name = $2, role = $3, country = $4, processor_id = $5, gvl_vendor_id = $6, purposes = $7, \
         data_categories = $8, ai_system_ids = $9, status = $10, updated_at = $11 WHERE vendor_id = $1",
    )
    .bind(v.vendor_id.to_string())
    .bind(v.name.clone())
    .bind(v.role.clone())
    .bind(v.country.clone())
    .bind(v.processor_id.as_ref().map(ToString::to_string))
    .bind(v.gvl_vendor_id.map(i64::from))
    .bind(to_json(&v.purposes))
    .bind(to_json(&v.data_categories))
    .bind(to_json(&v.ai_system_ids))
    .bind(v.status.clone())
    .bind(format_timestamp(&v.updated_at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One vendor.
pub async fn get(tx: &mut Tx, id: &VendorId) -> Result<Option<VendorRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM vendors WHERE vendor_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(vendor_from).transpose()
}

/// Vendors by name (at most `limit`).
pub async fn list(tx: &mut Tx, limit: u32) -> Result<Vec<VendorRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM vendors ORDER BY name, vendor_id LIMIT $1").bind(i64::from(limit)).fetch_all(tx.conn()).await?;
    rows.iter().map(vendor_from).collect()
}

/// Stores a new agreement.
pub async fn insert_dpa(tx: &mut Tx, d: &DpaRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dpas (dpa_id, vendor_id, kind, signed_on, expires_on, country, transfer_mechanism, data_categories, reference, \
         status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(d.dpa_id.to_string())
    .bind(d.vendor_id.to_string())
    .bind(d.kind.clone())
    .bind(d.signed_on.clone())
    .bind(d.expires_on.clone())
    .bind(d.country.clone())
    .bind(d.transfer_mechanism.clone())
    .bind(to_json(&d.data_categories))
    .bind(d.reference.clone())
    .bind(d.status.clone())
    .bind(d.created_by.clone())
    .bind(format_timestamp(&d.created_at))
    .bind(format_timestamp(&d.updated_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces an agreement's changeable fields; false if there is none.
pub async fn update_dpa(tx: &mut Tx, d: &DpaRecord) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE dpas SET kind = $2, signed_on = $3, expires_on = $4, country = $5, transfer_mechanism = $6, data_categories = $7, \
         reference = $8, status = $9, updated_at = $10 WHERE dpa_id = $1",
    )
    .bind(d.dpa_id.to_string())
    .bind(d.kind.clone())
    .bind(d.signed_on.clone())
    .bind(d.expires_on.clone())
    .bind(d.country.clone())
    .bind(d.transfer_mechanism.clone())
    .bind(to_json(&d.data_categories))
    .bind(d.reference.clone())
    .bind(d.status.clone())
    .bind(format_timestamp(&d.updated_at))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// One agreement.
pub async fn get_dpa(tx: &mut Tx, id: &DpaId) -> Result<Option<DpaRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM dpas WHERE dpa_id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(dpa_from).transpose()
}

/// A vendor's agreements, newest signature first.
pub async fn dpas_of(tx: &mut Tx, vendor: &VendorId) -> Result<Vec<DpaRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM dpas WHERE vendor_id = $1 ORDER BY signed_on DESC, dpa_id LIMIT 1000")
        .bind(vendor.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(dpa_from).collect()
}

/// Every active agreement of an active vendor (at most `limit`), for the expiry and transfer
/// alerts.
pub async fn active_dpas(tx: &mut Tx, limit: u32) -> Result<Vec<DpaRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.* FROM dpas d JOIN vendors v ON v.vendor_id = d.vendor_id WHERE d.status = 'active' AND v.status = 'active' \
         ORDER BY d.dpa_id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(dpa_from).collect()
}
