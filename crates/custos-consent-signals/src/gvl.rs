//! The Global Vendor List (GVL): which vendors exist in a version of the list and which TCF
//! purposes each declares on consent or legitimate interest. A business uploads the list it
//! uses (there is no download at run time); TC strings are checked against the version they
//! name, and the gate asks what a vendor may do under a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Rule, TcString, Violation};

/// Most vendors a list may hold (the IAB's has about 1,000; ids are 16-bit).
pub const MAX_VENDORS: usize = 20_000;
/// Highest TCF purpose id (TCF v2.2 defines 1-11).
pub const MAX_PURPOSE: u8 = 11;

/// One vendor of a list: what it declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GvlVendor {
    /// Its name.
    pub name: String,
    /// Purposes it processes on consent.
    pub purposes: Vec<u8>,
    /// Purposes it processes on legitimate interest.
    pub leg_int_purposes: Vec<u8>,
    /// Purposes whose basis a publisher restriction may switch.
    pub flexible_purposes: Vec<u8>,
    /// Special features it uses (on opt-in).
    pub special_features: Vec<u8>,
    /// The vendor left the framework (it stays listed with a deletion date).
    pub deleted: bool,
}

/// A version of the Global Vendor List, reduced to what custos checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorList {
    /// `vendorListVersion`: the number TC strings name.
    pub vendor_list_version: u16,
    /// `gvlSpecificationVersion` (3 for TCF v2.2).
    pub gvl_specification_version: u8,
    /// `tcfPolicyVersion`.
    pub tcf_policy_version: u8,
    /// `lastUpdated`, as given.
    pub last_updated: String,
    /// Vendors by id.
    pub vendors: BTreeMap<u16, GvlVendor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList {
    gvl_specification_version: u8,
    vendor_list_version: u16,
    tcf_policy_version: u8,
    #[serde(default)]
    last_updated: String,
    vendors: BTreeMap<String, RawVendor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVendor {
    id: u16,
    name: String,
    #[serde(default)]
    purposes: Vec<u8>,
    #[serde(default)]
    leg_int_purposes: Vec<u8>,
    #[serde(default)]
    flexible_purposes: Vec<u8>,
    #[serde(default)]
    special_features: Vec<u8>,
    #[serde(default)]
    deleted_date: Option<String>,
}

fn bad(detail: impl Into<String>) -> Violation {
    Violation::new(Rule::BadVendorList, detail)
}

/// Reads a `vendor-list.json` (GVL specification v2 or v3) strictly: every vendor's key is its
/// id, ids and purposes are in range, a version is named. The other fields of the file
/// (purpose texts, stacks, data categories, URLs) are not kept.
pub fn parse(json: &[u8]) -> Result<VendorList, Violation> {
    let raw: RawList = serde_json::from_slice(json).map_err(|e| bad(format!("not a Global Vendor List: {e}")))?;
    if raw.vendor_list_version == 0 || raw.vendor_list_version > 4095 {
        return Err(bad("vendorListVersion must be 1-4095 (12 bits in a TC string)"));
    }
    if !(2..=3).contains(&raw.gvl_specification_version) {
        return Err(bad("gvlSpecificationVersion must be 2 or 3"));
    }
    if raw.vendors.len() > MAX_VENDORS {
        return Err(bad(format!("more than {MAX_VENDORS} vendors")));
    }
    let mut vendors = BTreeMap::new();
    for (key, v) in raw.vendors {
        if key != v.id.to_string() || v.id == 0 {
            return Err(bad(format!("vendor `{key}`: its key must be its id, 1-65535")));
        }
        if v.name.trim().is_empty() || v.name.chars().count() > 500 {
            return Err(bad(format!("vendor {}: name must be 1-500 characters", v.id)));
        }
        for (field, list, max) in [
            ("purposes", &v.purposes, MAX_PURPOSE),
            ("legIntPurposes", &v.leg_int_purposes, MAX_PURPOSE),
            ("flexiblePurposes", &v.flexible_purposes, MAX_PURPOSE),
            ("specialFeatures", &v.special_features, 2),
        ] {
            if let Some(p) = list.iter().find(|&&p| p == 0 || p > max) {
                return Err(bad(format!("vendor {}: {field} names {p}, outside 1-{max}", v.id)));
            }
        }
        let vendor = GvlVendor {
            name: v.name,
            purposes: v.purposes,
            leg_int_purposes: v.leg_int_purposes,
            flexible_purposes: v.flexible_purposes,
            special_features: v.special_features,
            deleted: v.deleted_date.is_some(),
        };
        vendors.insert(v.id, vendor);
    }
    Ok(VendorList {
        vendor_list_version: raw.vendor_list_version,
        gvl_specification_version: raw.gvl_specification_version,
        tcf_policy_version: raw.tcf_policy_version,
        last_updated: raw.last_updated,
        vendors,
    })
}

/// The vendors a TC string names (consents, legitimate interests, disclosed vendors,
/// publisher restrictions) that its vendor list does not hold, ascending.
pub fn unknown_vendors(tc: &TcString, list: &VendorList) -> Vec<u16> {
    let named = tc
        .vendor_consents
        .iter()
        .chain(&tc.vendor_legitimate_interests)
        .chain(tc.disclosed_vendors.iter().flatten())
        .chain(tc.publisher_restrictions.iter().flat_map(|r| &r.vendor_ids));
    let mut out: Vec<u16> = named.copied().filter(|v| !list.vendors.contains_key(v)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The strict check of a TC string against its list: a violation naming the first vendors
/// the list does not hold.
pub fn check(tc: &TcString, list: &VendorList) -> Result<(), Violation> {
    let unknown = unknown_vendors(tc, list);
    if unknown.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = unknown.iter().take(10).map(ToString::to_string).collect();
    Err(Violation::new(
        Rule::VendorNotInList,
        format!(
            "vendor {} not in vendor list version {}{}",
            shown.join(", "),
            list.vendor_list_version,
            if unknown.len() > 10 { format!(" (and {} more)", unknown.len() - 10) } else { String::new() }
        ),
    ))
}

/// On what a vendor may process data for a TCF purpose under a TC string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorBasis {
    /// The user consented to the purpose and to the vendor.
    Consent,
    /// The purpose and the vendor are under legitimate interest and the user did not object.
    LegitimateInterest,
}

/// Why a vendor may not process data for a purpose.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VendorRefusal {
    /// The publisher forbids the vendor this purpose (restriction type 0).
    #[error("the publisher does not allow vendor {vendor} purpose {purpose}")]
    NotAllowed {
        /// The vendor.
        vendor: u16,
        /// The TCF purpose.
        purpose: u8,
    },
    /// The vendor does not declare the purpose in the vendor list (on the basis needed).
    #[error("vendor {vendor} does not declare purpose {purpose} in vendor list version {version}")]
    NotDeclared {
        /// The vendor.
        vendor: u16,
        /// The TCF purpose.
        purpose: u8,
        /// The list's version.
        version: u16,
    },
    /// Neither the user's consent nor legitimate interest covers the vendor for the purpose.
    #[error("the TC string gives vendor {vendor} neither consent nor legitimate interest for purpose {purpose}")]
    NoBasis {
        /// The vendor.
        vendor: u16,
        /// The TCF purpose.
        purpose: u8,
    },
}

/// Whether `vendor` may process data for TCF `purpose` under `tc`: the user's consent to the
/// purpose and the vendor, or legitimate interest for both (not objected to), as a publisher
/// restriction for the pair allows (type 0 forbids, 1 requires consent, 2 requires legitimate
/// interest). With the list the string names, the vendor must also declare the purpose on
/// that basis (or as flexible, when a restriction switches it).
pub fn vendor_basis(tc: &TcString, list: Option<&VendorList>, vendor: u16, purpose: u8) -> Result<VendorBasis, VendorRefusal> {
    let restriction =
        tc.publisher_restrictions.iter().find(|r| r.purpose_id == purpose && r.vendor_ids.contains(&vendor)).map(|r| r.restriction_type);
    if restriction == Some(0) {
        return Err(VendorRefusal::NotAllowed { vendor, purpose });
    }
    let declared = |basis: VendorBasis| match list.and_then(|l| l.vendors.get(&vendor).map(|v| (l, v))) {
        None => list.is_none(),
        Some((_, v)) => {
            let (own, other) = match basis {
                VendorBasis::Consent => (&v.purposes, &v.leg_int_purposes),
                VendorBasis::LegitimateInterest => (&v.leg_int_purposes, &v.purposes),
            };
            own.contains(&purpose) || (restriction.is_some() && other.contains(&purpose) && v.flexible_purposes.contains(&purpose))
        }
    };
    let consent = restriction != Some(2) && tc.purpose_consents.contains(&purpose) && tc.vendor_consents.contains(&vendor);
    let li =
        restriction != Some(1) && tc.purpose_legitimate_interests.contains(&purpose) && tc.vendor_legitimate_interests.contains(&vendor);
    let not_declared = || VendorRefusal::NotDeclared { vendor, purpose, version: list.map_or(0, |l| l.vendor_list_version) };
    match (consent, li) {
        (true, _) if declared(VendorBasis::Consent) => Ok(VendorBasis::Consent),
        (_, true) if declared(VendorBasis::LegitimateInterest) => Ok(VendorBasis::LegitimateInterest),
        (true, _) | (_, true) => Err(not_declared()),
        _ => Err(VendorRefusal::NoBasis { vendor, purpose }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> VendorList {
        parse(
            br#"{"gvlSpecificationVersion": 3, "vendorListVersion": 120, "tcfPolicyVersion": 5, "lastUpdated": "2026-11-26T16:05:28Z",
                 "purposes": {}, "vendors": {
                   "8": {"id": 8, "name": "Emerse", "purposes": [1, 3, 4], "legIntPurposes": [2, 7], "flexiblePurposes": [2, 7], "specialFeatures": []},
                   "12": {"id": 12, "name": "BeeswaxIO", "purposes": [1, 2, 3, 4], "legIntPurposes": [], "flexiblePurposes": [], "deletedDate": "2025-01-01T00:00:00Z"}}}"#,
        )
        .expect("a list")
    }

    fn tc() -> TcString {
        let mut tc: TcString = serde_json::from_value(serde_json::json!({
            "version": 2, "created": "2026-11-01T00:00:00Z", "last_updated": "2026-11-01T00:00:00Z", "cmp_id": 7, "cmp_version": 1,
            "consent_screen": 1, "consent_language": "EN", "vendor_list_version": 120, "tcf_policy_version": 5,
            "is_service_specific": true, "use_non_standard_texts": false, "special_feature_optins": [],
            "purpose_consents": [1, 3, 4], "purpose_legitimate_interests": [2, 7], "purpose_one_treatment": false,
            "publisher_cc": "DE", "vendor_consents": [8], "vendor_legitimate_interests": [8],
            "publisher_restrictions": [], "disclosed_vendors": [8, 12]
        }))
        .expect("a TC string value");
        tc.publisher_restrictions.clear();
        tc
    }

    #[test]
    fn lists_are_read_strictly() {
        let l = list();
        assert_eq!((l.vendor_list_version, l.vendors.len()), (120, 2));
        assert!(l.vendors[&12].deleted);
        for bad_list in [
            r#"{"gvlSpecificationVersion": 3, "vendorListVersion": 0, "tcfPolicyVersion": 5, "vendors": {}}"#,
            r#"{"gvlSpecificationVersion": 9, "vendorListVersion": 1, "tcfPolicyVersion": 5, "vendors": {}}"#,
            r#"{"gvlSpecificationVersion": 3, "vendorListVersion": 1, "tcfPolicyVersion": 5, "vendors": {"2": {"id": 3, "name": "x"}}}"#,
            r#"{"gvlSpecificationVersion": 3, "vendorListVersion": 1, "tcfPolicyVersion": 5, "vendors": {"3": {"id": 3, "name": "x", "purposes": [12]}}}"#,
            r#"{"gvlSpecificationVersion": 3, "vendorListVersion": 1, "tcfPolicyVersion": 5}"#,
            "[]",
        ] {
            assert_eq!(parse(bad_list.as_bytes()).map_err(|v| v.rule), Err(Rule::BadVendorList), "{bad_list}");
        }
    }

    #[test]
    fn vendors_absent_from_the_list_are_named() {
        let l = list();
        let mut t = tc();
        assert_eq!(check(&t, &l), Ok(()));
        t.vendor_consents.push(900);
        t.disclosed_vendors = Some(vec![8, 12, 901]);
        assert_eq!(unknown_vendors(&t, &l), [900, 901]);
        assert_eq!(check(&t, &l).map_err(|v| v.rule), Err(Rule::VendorNotInList));
    }

    #[test]
    fn a_vendor_needs_a_basis_the_publisher_allows_and_the_list_declares() {
        let l = list();
        let t = tc();
        assert_eq!(vendor_basis(&t, Some(&l), 8, 1), Ok(VendorBasis::Consent));
        assert_eq!(vendor_basis(&t, Some(&l), 8, 2), Ok(VendorBasis::LegitimateInterest));
        assert_eq!(vendor_basis(&t, Some(&l), 8, 5), Err(VendorRefusal::NoBasis { vendor: 8, purpose: 5 }));
        assert_eq!(vendor_basis(&t, Some(&l), 12, 1), Err(VendorRefusal::NoBasis { vendor: 12, purpose: 1 }), "no vendor consent");
        let mut r = t.clone();
        r.publisher_restrictions = vec![crate::tcf::PublisherRestriction { purpose_id: 1, restriction_type: 0, vendor_ids: vec![8] }];
        assert_eq!(vendor_basis(&r, Some(&l), 8, 1), Err(VendorRefusal::NotAllowed { vendor: 8, purpose: 1 }));
        // Purpose 2 is flexible for vendor 8: the publisher may require consent instead.
        r.publisher_restrictions = vec![crate::tcf::PublisherRestriction { purpose_id: 2, restriction_type: 1, vendor_ids: vec![8] }];
        assert_eq!(vendor_basis(&r, Some(&l), 8, 2), Err(VendorRefusal::NoBasis { vendor: 8, purpose: 2 }), "no consent to 2");
        r.purpose_consents.push(2);
        assert_eq!(vendor_basis(&r, Some(&l), 8, 2), Ok(VendorBasis::Consent));
        // Purpose 3 on consent, but the vendor declares it nowhere in another list.
        let mut other = l.clone();
        other.vendors.get_mut(&8).expect("8").purposes.retain(|&p| p != 3);
        assert_eq!(vendor_basis(&t, Some(&other), 8, 3), Err(VendorRefusal::NotDeclared { vendor: 8, purpose: 3, version: 120 }));
        assert_eq!(vendor_basis(&t, None, 8, 3), Ok(VendorBasis::Consent), "without the list the string decides");
    }
}
