//! The entity vocabulary (Presidio's names, so configurations and thresholds carry over) and
//! the context words that raise a candidate's score.

/// Every built-in entity type, with the context words (lower case) that make a weak candidate
/// of that type likely when they appear near it.
pub static BUILTIN_ENTITIES: &[(&str, &[&str])] = &[
    (
        "CREDIT_CARD",
        &["credit", "card", "visa", "mastercard", "amex", "cc", "debit", "payment", "karte", "kreditkarte", "carte", "tarjeta", "carta"],
    ),
    ("CRYPTO", &["wallet", "btc", "bitcoin", "eth", "ethereum", "crypto", "address", "send", "transfer"]),
    (
        "DATE_TIME",
        &["date", "time", "birthday", "born", "dob", "appointment", "on", "at", "datum", "geboren", "né", "née", "fecha", "nato"],
    ),
    ("EMAIL_ADDRESS", &["email", "e-mail", "mail", "contact", "address"]),
    ("IBAN_CODE", &["iban", "bank", "account", "transfer", "konto", "compte", "cuenta", "conto", "sepa"]),
    ("IP_ADDRESS", &["ip", "ipv4", "ipv6", "address", "host", "server", "client", "login", "from"]),
    ("MAC_ADDRESS", &["mac", "device", "hardware", "address", "wifi", "ethernet", "router"]),
    ("MEDICAL_LICENSE", &["dea", "license", "licence", "medical", "prescriber", "registration", "physician", "doctor", "dr"]),
    ("UK_NHS", &["nhs", "health", "patient", "national", "service"]),
    (
        "PHONE_NUMBER",
        &[
            "phone",
            "telephone",
            "tel",
            "call",
            "cell",
            "mobile",
            "fax",
            "text",
            "sms",
            "whatsapp",
            "reach",
            "ring",
            "dial",
            "ph",
            "mob",
            "landline",
            "cellphone",
            "hotline",
            "helpline",
            "tlf",
            "tfn",
            "telefoon",
            "telefone",
            "mobil",
            "contact",
            "telefon",
            "handy",
            "téléphone",
            "portable",
            "teléfono",
            "móvil",
            "telefono",
            "cellulare",
        ],
    ),
    ("URL", &["url", "website", "site", "link", "visit", "web", "page", "http", "https"]),
    ("US_BANK_NUMBER", &["bank", "account", "acct", "checking", "savings", "routing", "deposit", "wire", "ach"]),
    (
        "US_DRIVER_LICENSE",
        &[
            "driver", "drivers", "driver's", "license", "licence", "permit", "dl", "dmv", "lic", "driving", "cdl", "dls", "cdls", "lic#",
            "dl#",
        ],
    ),
    ("US_ITIN", &["itin", "taxpayer", "tax", "individual", "identification", "irs"]),
    ("US_PASSPORT", &["passport", "travel", "document", "passport#", "passportno"]),
    ("US_SSN", &["ssn", "social", "security", "ss#", "ssid", "ss"]),
    ("UUID", &["id", "uuid", "guid", "identifier", "user", "customer", "account"]),
    ("UK_NINO", &["national", "insurance", "nino", "ni"]),
    (
        "DE_TAX_ID",
        &["steuer-id", "steuerid", "steueridentifikationsnummer", "identifikationsnummer", "steuernummer", "steuer", "tax", "idnr"],
    ),
    ("FR_NIR", &["sécurité", "securite", "sociale", "nir", "insee", "numéro", "social"]),
    ("ES_NIF", &["dni", "nif", "documento", "identidad", "nacional"]),
    ("ES_NIE", &["nie", "extranjero", "identidad"]),
    ("IT_FISCAL_CODE", &["codice", "fiscale", "cf", "tessera", "sanitaria"]),
    ("PERSON", &["name", "mr", "mrs", "ms", "dr", "customer", "client", "contact", "agent", "dear", "hi", "hello", "signed", "regards"]),
    ("LOCATION", &["in", "from", "city", "country", "located", "live", "lives", "living", "moved", "near", "visit", "address", "based"]),
    ("NRP", &["nationality", "citizen", "religion", "ethnicity", "party"]),
    ("ORGANIZATION", &["company", "employer", "works", "work", "at", "organization", "organisation", "firm", "bank", "from"]),
];

/// The index of `name` among the built-in entity types.
#[cfg(test)]
fn builtin_index(name: &str) -> Option<usize> {
    BUILTIN_ENTITIES.iter().position(|(n, _)| *n == name)
}

/// Indexes into [`BUILTIN_ENTITIES`], named for the recognizers.
#[allow(missing_docs)]
pub mod id {
    pub const CREDIT_CARD: u16 = 0;
    pub const CRYPTO: u16 = 1;
    pub const DATE_TIME: u16 = 2;
    pub const EMAIL_ADDRESS: u16 = 3;
    pub const IBAN_CODE: u16 = 4;
    pub const IP_ADDRESS: u16 = 5;
    pub const MAC_ADDRESS: u16 = 6;
    pub const MEDICAL_LICENSE: u16 = 7;
    pub const UK_NHS: u16 = 8;
    pub const PHONE_NUMBER: u16 = 9;
    pub const URL: u16 = 10;
    pub const US_BANK_NUMBER: u16 = 11;
    pub const US_DRIVER_LICENSE: u16 = 12;
    pub const US_ITIN: u16 = 13;
    pub const US_PASSPORT: u16 = 14;
    pub const US_SSN: u16 = 15;
    pub const UUID: u16 = 16;
    pub const UK_NINO: u16 = 17;
    pub const DE_TAX_ID: u16 = 18;
    pub const FR_NIR: u16 = 19;
    pub const ES_NIF: u16 = 20;
    pub const ES_NIE: u16 = 21;
    pub const IT_FISCAL_CODE: u16 = 22;
    pub const PERSON: u16 = 23;
    pub const LOCATION: u16 = 24;
    pub const NRP: u16 = 25;
    pub const ORGANIZATION: u16 = 26;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_the_table() {
        for (name, idx) in [
            ("CREDIT_CARD", id::CREDIT_CARD),
            ("PHONE_NUMBER", id::PHONE_NUMBER),
            ("US_SSN", id::US_SSN),
            ("IT_FISCAL_CODE", id::IT_FISCAL_CODE),
            ("ORGANIZATION", id::ORGANIZATION),
        ] {
            assert_eq!(builtin_index(name), Some(idx as usize));
        }
        assert_eq!(BUILTIN_ENTITIES.len(), id::ORGANIZATION as usize + 1);
    }
}
