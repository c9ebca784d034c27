//! Demo data: purposes with notices and synthetic subjects with a realistic mix of consents,
//! GPC signals and open requests. Deterministic (seeded), so demos and benchmarks repeat.

use std::collections::BTreeMap;

use custos_core::{
    ApiKeyId, CheckId, ConsentStatus, DataCategory, DecisionId, DsrType, EventId, Jurisdiction, LedgerEvent, LegalBasis, Method,
    PurposeKey, SubjectId, now,
};
use custos_store::{ConsentEvent, DecisionRecord, NewSubject};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use crate::{
    Service, ServiceError,
    dsrs::DsrInput,
    keys::{ApiKeyInput, ApiKeyView, Scope},
    purposes::{NoticeInput, PurposeInput},
};

/// Marks a database created by the demo.
const DEMO_SETTING: &str = "setting.demo";
/// How many demo subjects the demo created (`demo-000000` ...).
const DEMO_SUBJECTS_SETTING: &str = "setting.demo_subjects";
/// The demo's admin key, and whether it was shown.
const DEMO_KEY_SETTING: &str = "setting.demo_key_id";
const DEMO_KEY_SHOWN_SETTING: &str = "setting.demo_key_shown";

/// Whether `custos serve --demo` may run on a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoDatabase {
    /// Nothing in it yet: the demo may fill it.
    Fresh,
    /// Created by the demo.
    Demo,
    /// Holds data the demo did not put there: `--demo` is refused.
    Other,
}

/// The demo's admin key at start-up.
#[derive(Debug, Clone)]
pub enum DemoKey {
    /// Minted now: show it (then call [`Service::demo_key_shown`]).
    New(ApiKeyView),
    /// Minted and shown at an earlier start; its id.
    Shown(ApiKeyId),
}

/// What seeding created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Purposes declared.
    pub purposes: usize,
    /// Subjects created.
    pub subjects: usize,
    /// Consent events recorded.
    pub consents: usize,
    /// Open data-subject requests filed.
    pub requests: usize,
    /// AI decisions logged (with an outcome for most of them).
    pub decisions: usize,
}

/// The demo's offer model: it decides who gets a targeted offer, and (deliberately) offers less
/// to women and non-binary customers than their purchase history warrants, so the scheduled
/// fairness audit has something to find.
const DEMO_MODEL: &str = "next-best-offer";

/// The demo model's version.
const DEMO_MODEL_VERSION: &str = "2026.11";
/// The demo model's owner (a staff account the demo creates).
const DEMO_MODEL_OWNER: &str = "owner@demo.custos";

/// The demo model (LightGBM text), trained by `tools/demo-model/train.py`.
const DEMO_MODEL_FILE: &str = include_str!("../data/demo_offer_model.txt");

/// The purpose the demo model decides under (index into `PURPOSES`).
const DEMO_MODEL_PURPOSE: usize = 1;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

struct DemoPurpose {
    key: &'static str,
    name: &'static str,
    basis: LegalBasis,
    categories: &'static [&'static str],
    sale_or_share: bool,
    profiling: bool,
    pseudonymize: bool,
    retention_days: u32,
    /// The notice in each language the privacy center speaks (English first).
    notice: [(&'static str, &'static str); 5],
}

const PURPOSES: &[DemoPurpose] = &[
    DemoPurpose {
        key: "personalize.content.profiled",
        name: "Personalized recommendations",
        basis: LegalBasis::Consent,
        categories: &["user.behavior.purchase_history", "user.demographic.age_range", "user.contact.address.country"],
        sale_or_share: false,
        profiling: true,
        pseudonymize: false,
        retention_days: 365,
        notice: [
            (
                "en",
                "We use your purchase history, age range and country to recommend products you are likely to want. You can turn this off at any time.",
            ),
            (
                "de",
                "Wir nutzen Ihre bisherigen Käufe, Ihre Altersgruppe und Ihr Land, um Ihnen Produkte zu empfehlen, die Sie wahrscheinlich interessieren. Sie können das jederzeit abschalten.",
            ),
            (
                "fr",
                "Nous utilisons vos achats, votre tranche d’âge et votre pays pour vous recommander des produits susceptibles de vous plaire. Vous pouvez désactiver cela à tout moment.",
            ),
            (
                "es",
                "Usamos su historial de compras, su franja de edad y su país para recomendarle productos que probablemente le interesen. Puede desactivarlo en cualquier momento.",
            ),
            (
                "nl",
                "We gebruiken uw aankoopgeschiedenis, leeftijdsgroep en land om producten aan te bevelen die u waarschijnlijk wilt. U kunt dit op elk moment uitzetten.",
            ),
        ],
    },
    DemoPurpose {
        key: "marketing.advertising.first_party.targeted",
        name: "Targeted offers",
        basis: LegalBasis::Consent,
        categories: &["user.contact.email", "user.demographic.age_range", "user.behavior.purchase_history"],
        sale_or_share: true,
        profiling: true,
        pseudonymize: false,
        retention_days: 730,
        notice: [
            (
                "en",
                "We use your e-mail address, age range and purchases to send you offers chosen for you, and share a hashed e-mail with our advertising partner to show them to you elsewhere.",
            ),
            (
                "de",
                "Wir nutzen Ihre E-Mail-Adresse, Altersgruppe und Käufe, um Ihnen für Sie ausgewählte Angebote zu senden, und geben eine unkenntlich gemachte Fassung Ihrer E-Mail-Adresse an unseren Werbepartner weiter, damit er sie Ihnen auch anderswo zeigen kann.",
            ),
            (
                "fr",
                "Nous utilisons votre adresse e-mail, votre tranche d’âge et vos achats pour vous envoyer des offres choisies pour vous, et transmettons une version codée de votre adresse e-mail à notre partenaire publicitaire pour vous les montrer ailleurs.",
            ),
            (
                "es",
                "Usamos su correo electrónico, su franja de edad y sus compras para enviarle ofertas elegidas para usted, y compartimos una versión codificada de su correo con nuestro socio publicitario para mostrárselas en otros sitios.",
            ),
            (
                "nl",
                "We gebruiken uw e-mailadres, leeftijdsgroep en aankopen om u aanbiedingen te sturen die voor u gekozen zijn, en delen een gecodeerde versie van uw e-mailadres met onze advertentiepartner om ze u ook elders te tonen.",
            ),
        ],
    },
    DemoPurpose {
        key: "analytics.reporting.campaign_insights",
        name: "Segmentation analytics",
        basis: LegalBasis::LegitimateInterest,
        categories: &["user.demographic.age_range", "user.contact.address.country", "user.behavior.purchase_history"],
        sale_or_share: false,
        profiling: false,
        pseudonymize: true,
        retention_days: 395,
        notice: [
            (
                "en",
                "We study groups of customers, with names and contact details replaced by codes, to understand which campaigns work. You can object at any time.",
            ),
            (
                "de",
                "Wir werten Kundengruppen aus, in denen Namen und Kontaktdaten durch Codes ersetzt sind, um zu verstehen, welche Kampagnen wirken. Sie können jederzeit widersprechen.",
            ),
            (
                "fr",
                "Nous étudions des groupes de clients, dont les noms et coordonnées sont remplacés par des codes, pour comprendre quelles campagnes fonctionnent. Vous pouvez vous y opposer à tout moment.",
            ),
            (
                "es",
                "Estudiamos grupos de clientes, con los nombres y datos de contacto sustituidos por códigos, para saber qué campañas funcionan. Puede oponerse en cualquier momento.",
            ),
            (
                "nl",
                "We bestuderen groepen klanten, waarbij namen en contactgegevens door codes zijn vervangen, om te begrijpen welke campagnes werken. U kunt hier op elk moment bezwaar tegen maken.",
            ),
        ],
    },
    DemoPurpose {
        key: "train_ai_system",
        name: "Model training",
        basis: LegalBasis::Consent,
        categories: &["user.behavior.purchase_history", "user.demographic.age_range"],
        sale_or_share: false,
        profiling: false,
        pseudonymize: true,
        retention_days: 1095,
        notice: [
            (
                "en",
                "With your permission we use your purchase history and age range, with your name and contact details replaced by codes, to train the models that rank our offers.",
            ),
            (
                "de",
                "Mit Ihrer Erlaubnis nutzen wir Ihre bisherigen Käufe und Ihre Altersgruppe, wobei Name und Kontaktdaten durch Codes ersetzt sind, um die Modelle zu trainieren, die unsere Angebote ordnen.",
            ),
            (
                "fr",
                "Avec votre permission, nous utilisons vos achats et votre tranche d’âge, vos nom et coordonnées étant remplacés par des codes, pour entraîner les modèles qui classent nos offres.",
            ),
            (
                "es",
                "Con su permiso usamos su historial de compras y su franja de edad, con su nombre y datos de contacto sustituidos por códigos, para entrenar los modelos que ordenan nuestras ofertas.",
            ),
            (
                "nl",
                "Met uw toestemming gebruiken we uw aankoopgeschiedenis en leeftijdsgroep, met uw naam en contactgegevens vervangen door codes, om de modellen te trainen die onze aanbiedingen rangschikken.",
            ),
        ],
    },
];

const GIVEN: &[&str] =
    &["Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivo", "Jonas", "Keiko", "Lars", "Maya", "Nils", "Olga", "Pedro"];
const FAMILY: &[&str] =
    &["Silva", "Novak", "Okafor", "Schmidt", "Rossi", "Dubois", "Kowalski", "Haddad", "Larsen", "Moreau", "Tanaka", "Walsh"];
const AGE_RANGES: &[&str] = &["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
const GENDERS: &[&str] = &["female", "male", "non_binary"];
/// Jurisdiction mix: EU (opt-in), UK, US-CA (opt-out) and others.
const JURISDICTIONS: &[(&str, u32)] =
    &[("DE", 22), ("FR", 14), ("ES", 8), ("IT", 6), ("NL", 5), ("GB", 15), ("US-CA", 20), ("US-NY", 4), ("BR", 3), ("JP", 3)];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn pick_weighted(rng: &mut StdRng) -> &'static str {
    let total: u32 = JURISDICTIONS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (j, w) in JURISDICTIONS {
        if roll < *w {
            return j;
        }
        roll -= w;
    }
    "DE"
}

fn cat(k: &str) -> Result<DataCategory, ServiceError> {
    Ok(DataCategory::parse(k)?)
}

/// Demo data and the rules of a demo database.
#[derive(Clone, Copy)]
pub struct Demo<'a>(pub(crate) &'a Service);

impl Demo<'_> {
    /// Asks for the demo model's approval as its owner; legal and compliance sign off.
    async fn approve_demo_model(&self, model_id: &str, people: &[crate::staff::StaffIdentity]) -> Result<(), ServiceError> {
        let [owner, legal, compliance] = people else { return Err(ServiceError::internal("demo people missing")) };
        let request = self
            .0
            .approvals()
            .request(
                crate::approvals::ApprovalInput {
                    model_id: model_id.into(),
                    comment: Some("Validated on the October hold-out; fairness audit attached to the AI system.".into()),
                    ..Default::default()
                },
                owner,
            )
            .await?;
        let id = request.approval.approval_id;
        for (who, role, comment) in [
            (legal, custos_core::Role::Legal, "Purpose and notice cover this use; no significant effect."),
            (compliance, custos_core::Role::Compliance, "Evidence reviewed; approved for 12 months."),
        ] {
            self.0
                .approvals()
                .sign(&id, crate::approvals::SignOffInput { verdict: custos_core::Verdict::Approve, role, comment: comment.into() }, who)
                .await?;
        }
        Ok(())
    }

    /// Seeds demo data unless it is already there (then returns an empty summary). `progress`
    /// is called with the number of subjects created so far.
    pub async fn seed(&self, subjects: usize, seed: u64, mut progress: impl FnMut(usize) + Send) -> Result<DemoSummary, ServiceError> {
        let mut summary = DemoSummary::default();
        if self.0.purposes().get(PURPOSES[0].key).await.is_ok() {
            return Ok(summary);
        }
        // A database the demo fills from empty is a demo database (`--demo` runs on it again),
        // and the first `subjects` demo ids are the demo's people (their codes may be shown).
        if self.database().await? != DemoDatabase::Other {
            let count = subjects.to_string();
            self.0
                .write(async |tx| {
                    custos_store::settings::set(tx, DEMO_SETTING, b"1").await?;
                    Ok(custos_store::settings::set(tx, DEMO_SUBJECTS_SETTING, count.as_bytes()).await?)
                })
                .await?;
        }
        for p in PURPOSES {
            self.0
                .purposes()
                .create(PurposeInput {
                    purpose: p.key.into(),
                    name: p.name.into(),
                    legal_basis: p.basis,
                    data_categories: p.categories.iter().map(|c| (*c).to_owned()).collect(),
                    sale_or_share: p.sale_or_share,
                    profiling: p.profiling,
                    sensitive: false,
                    pseudonymize: p.pseudonymize,
                    significant_effect: false,
                    retention_days: p.retention_days,
                })
                .await?;
            for (language, text) in p.notice {
                self.0
                    .purposes()
                    .create_notice(NoticeInput {
                        purpose: p.key.into(),
                        version: "2026-11".into(),
                        notice_language: language.into(),
                        text: text.into(),
                    })
                    .await?;
            }
            summary.purposes += 1;
        }
        // The demo's AI system, and the people who own and sign off its model: the version is
        // approved through the same sign-off as any other (owner asks; legal and compliance sign).
        let mut people = Vec::new();
        for (email, role) in [
            (DEMO_MODEL_OWNER, custos_core::Role::ModelOwner),
            ("legal@demo.custos", custos_core::Role::Legal),
            ("compliance@demo.custos", custos_core::Role::Compliance),
        ] {
            let (user_id, _) = self.0.staff().create_user(email, &[role], None).await?;
            people.push(crate::staff::StaffIdentity { user_id, email: email.into(), roles: vec![role] });
        }
        let system = self
            .0
            .ai_systems()
            .create(crate::ai_systems::AiSystemInput {
                name: Some("Next best offer".into()),
                description: Some("Picks the offer each customer receives in the weekly email.".into()),
                business_owner: Some("Head of CRM".into()),
                purposes: Some(vec![PURPOSES[DEMO_MODEL_PURPOSE].key.into()]),
                models: Some(vec![DEMO_MODEL.into()]),
                customer_facing: Some(true),
                jurisdictions: Some(vec!["DE".into(), "FR".into(), "US-CA".into()]),
                risk_tier: Some("limited".into()),
                ..Default::default()
            })
            .await?;
        let registered = self.0.models().register(
            crate::models::ModelInput {
                name: DEMO_MODEL.into(),
                version: DEMO_MODEL_VERSION.into(),
                model: DEMO_MODEL_FILE.into(),
                dictionary: Some(json!({
                    "favorable_outcome": "higher",
                    "intro": "We did not send you this offer mainly because",
                    "features": {
                        "purchases": {"description": "Your number of recent purchases", "higher": "is high", "lower": "is low", "actionable": true, "min": 0},
                        "tenure_months": {"description": "The time you have been a customer", "higher": "is long", "lower": "is short", "unit": "months"},
                        "age_band": {"description": "Your age band", "higher": "is high", "lower": "is low"},
                        "channel": {"description": "The way you signed up", "higher": "counted against this offer", "lower": "counted against this offer"}
                    },
                    "outcomes": {"offer": "Offer sent", "no_offer": "No offer this time"},
                    "languages": {
                        "de": {
                            "intro": "Wir haben Ihnen dieses Angebot vor allem deshalb nicht geschickt, weil",
                            "features": {
                                "purchases": {"description": "Die Zahl Ihrer letzten Einkäufe", "higher": "hoch ist", "lower": "niedrig ist"},
                                "tenure_months": {"description": "Die Zeit, die Sie schon Kunde sind,", "higher": "lang ist", "lower": "kurz ist", "unit": "Monate"},
                                "age_band": {"description": "Ihre Altersgruppe", "higher": "hoch ist", "lower": "niedrig ist"},
                                "channel": {"description": "Der Weg, auf dem Sie sich angemeldet haben,", "higher": "gegen dieses Angebot sprach", "lower": "gegen dieses Angebot sprach"}
                            },
                            "outcomes": {"offer": "Angebot gesendet", "no_offer": "Diesmal kein Angebot"}
                        },
                        "fr": {
                            "intro": "Nous ne vous avons pas envoyé cette offre principalement parce que",
                            "features": {
                                "purchases": {"description": "Votre nombre d’achats récents", "higher": "est élevé", "lower": "est faible"},
                                "tenure_months": {"description": "Votre ancienneté de client", "higher": "est longue", "lower": "est courte", "unit": "mois"},
                                "age_band": {"description": "Votre tranche d’âge", "higher": "est élevée", "lower": "est basse"},
                                "channel": {"description": "La façon dont vous vous êtes inscrit", "higher": "a joué contre cette offre", "lower": "a joué contre cette offre"}
                            },
                            "outcomes": {"offer": "Offre envoyée", "no_offer": "Pas d’offre cette fois"}
                        },
                        "es": {
                            "intro": "No le enviamos esta oferta sobre todo porque",
                            "features": {
                                "purchases": {"description": "Su número de compras recientes", "higher": "es alto", "lower": "es bajo"},
                                "tenure_months": {"description": "El tiempo que lleva siendo cliente", "higher": "es largo", "lower": "es corto", "unit": "meses"},
                                "age_band": {"description": "Su franja de edad", "higher": "es alta", "lower": "es baja"},
                                "channel": {"description": "La forma en que se registró", "higher": "pesó en contra de esta oferta", "lower": "pesó en contra de esta oferta"}
                            },
                            "outcomes": {"offer": "Oferta enviada", "no_offer": "Esta vez sin oferta"}
                        },
                        "nl": {
                            "intro": "We hebben u dit aanbod vooral niet gestuurd omdat",
                            "features": {
                                "purchases": {"description": "Uw aantal recente aankopen", "higher": "hoog is", "lower": "laag is"},
                                "tenure_months": {"description": "De tijd dat u al klant bent", "higher": "lang is", "lower": "kort is", "unit": "maanden"},
                                "age_band": {"description": "Uw leeftijdsgroep", "higher": "hoog is", "lower": "laag is"},
                                "channel": {"description": "De manier waarop u zich hebt aangemeld", "higher": "telde tegen dit aanbod", "lower": "telde tegen dit aanbod"}
                            },
                            "outcomes": {"offer": "Aanbod verstuurd", "no_offer": "Deze keer geen aanbod"}
                        }
                    }
                })),
                encoding: Some(BTreeMap::from([(
                    "channel".to_owned(),
                    BTreeMap::from([("store".to_owned(), 0.0), ("app".to_owned(), 1.0), ("web".to_owned(), 2.0)]),
                )])),
                owner: DEMO_MODEL_OWNER.into(),
                purpose: Some(PURPOSES[DEMO_MODEL_PURPOSE].key.into()),
                intended_use: Some("Chooses which customers receive the next best offer by email, from their purchases, tenure, age band and sign-up channel.".into()),
                limitations: Some("Not for credit, pricing or eligibility decisions. Trained on customers with at least one purchase; new customers score low.".into()),
                training_data: Some("Twelve months of the demo shop's order history (synthetic), 2025-11 to 2026-10.".into()),
                ai_system_id: Some(system.ai_system.ai_system_id.to_string()),
                shadow: false,
            },
            None,
        )
        .await?;
        self.approve_demo_model(&registered.model_id.to_string(), &people).await?;
        self.seed_vendors(&system.ai_system.ai_system_id.to_string()).await?;
        self.seed_incident().await?;
        let model =
            self.0.models().loaded(DEMO_MODEL, DEMO_MODEL_VERSION).await?.ok_or(ServiceError::NotFound { resource: "demo model" })?;
        let notices = self.0.purposes().notices(None).await?;
        let hash_of = |purpose: &str| {
            notices
                .iter()
                .find(|n| n.notice.purpose.as_str() == purpose && n.notice.notice_language == "en")
                .map(|n| n.notice.text_sha256.clone())
                .unwrap_or_default()
        };
        let hashes: Vec<String> = PURPOSES.iter().map(|p| hash_of(p.key)).collect();
        // Every offer passes the gate first, as the product asks of every use: the check is
        // evaluated by the gate's own rules on the subject as created.
        let offer_purpose = self.0.purposes().cached(PURPOSES[DEMO_MODEL_PURPOSE].key).await?;
        let offer_categories: Vec<DataCategory> =
            PURPOSES[DEMO_MODEL_PURPOSE].categories.iter().map(|c| cat(c)).collect::<Result<_, _>>()?;
        let mut offered: Vec<(SubjectId, CheckId)> = Vec::new();

        let mut rng = StdRng::seed_from_u64(seed);
        let started = now();
        let mut open_requests = Vec::new();
        const BATCH: usize = 500;
        let mut created = 0;
        while created < subjects {
            let n = BATCH.min(subjects - created);
            let mut batch = Vec::with_capacity(n);
            for i in created..created + n {
                let jurisdiction = Jurisdiction::parse(pick_weighted(&mut rng))?;
                let given = pick(&mut rng, GIVEN);
                let family = pick(&mut rng, FAMILY);
                let mut data: BTreeMap<DataCategory, Value> = BTreeMap::new();
                data.insert(cat("user.name")?, json!(format!("{given} {family}")));
                data.insert(
                    cat("user.contact.email")?,
                    json!(format!("{}.{}{i}@example.org", given.to_lowercase(), family.to_lowercase())),
                );
                data.insert(cat("user.demographic.age_range")?, json!(pick(&mut rng, AGE_RANGES)));
                data.insert(cat("user.demographic.gender")?, json!(pick(&mut rng, GENDERS)));
                data.insert(cat("user.contact.address.country")?, json!(jurisdiction.country()));
                // Customers in these countries told the shop their language: the privacy center
                // uses it when their browser names none it speaks.
                let language = match jurisdiction.country() {
                    "DE" | "AT" => Some("de"),
                    "FR" => Some("fr"),
                    "ES" => Some("es"),
                    "NL" => Some("nl"),
                    _ => None,
                };
                if let Some(language) = language {
                    data.insert(cat(crate::subjects::LANGUAGE_CATEGORY)?, json!(language));
                }
                let purchases: Vec<u32> = (0..rng.random_range(0..6)).map(|_| rng.random_range(1000..9999)).collect();
                data.insert(cat("user.behavior.purchase_history")?, json!(purchases));
                let gpc = jurisdiction.as_str() == "US-CA" && rng.random_bool(0.12);
                let subject = NewSubject {
                    subject_id: SubjectId::new(),
                    external_id: format!("demo-{i:06}"),
                    jurisdiction,
                    data,
                    gpc,
                    created_at: started,
                };
                let mut events = Vec::new();
                for (p, hash) in PURPOSES.iter().zip(&hashes) {
                    if p.basis != LegalBasis::Consent {
                        continue;
                    }
                    let roll: f64 = rng.random();
                    let status = if roll < 0.55 {
                        ConsentStatus::Granted
                    } else if roll < 0.75 {
                        ConsentStatus::Denied
                    } else if roll < 0.82 {
                        ConsentStatus::Withdrawn
                    } else {
                        continue; // never asked
                    };
                    events.push(ConsentEvent {
                        event_id: EventId::new(),
                        subject_id: subject.subject_id,
                        purpose: PurposeKey::parse(p.key)?,
                        status,
                        method: Method::parse("method", if rng.random_bool(0.7) { "web_form" } else { "privacy_center" })?,
                        notice_version: "2026-11".into(),
                        notice_language: "en".into(),
                        notice_text_sha256: hash.clone(),
                        source: Some("demo-signup".into()),
                        gpc,
                        overrides_gpc: false,
                        captured_at: started - chrono::Duration::days(rng.random_range(0..300)),
                        recorded_at: started,
                    });
                }
                summary.consents += events.len();
                let offered_consent =
                    events.iter().any(|e| e.purpose.as_str() == PURPOSES[DEMO_MODEL_PURPOSE].key && e.status == ConsentStatus::Granted);
                let check = offered_consent.then(|| {
                    let state = custos_policy::SubjectState {
                        jurisdiction: subject.jurisdiction.clone(),
                        erased: false,
                        restricted: false,
                        objections: custos_policy::Objections::default(),
                        opted_out_of_sale_or_share: false,
                        gpc,
                        consent: Some(ConsentStatus::Granted),
                        consent_overrides_gpc: false,
                        held: subject.data.keys().cloned().collect(),
                    };
                    let d = custos_policy::evaluate(&self.0.config.gate, &state, offer_purpose.as_ref(), &offer_categories, gpc);
                    let record = custos_store::CheckRecord {
                        check_id: CheckId::new(),
                        subject_id: subject.subject_id,
                        purpose: PURPOSES[DEMO_MODEL_PURPOSE].key.into(),
                        requested: offer_categories.clone(),
                        decision: d.decision.as_str().to_owned(),
                        reasons: serde_json::to_value(&d.reasons).unwrap_or(Value::Null),
                        released: d.released.iter().map(|r| r.category.clone()).collect(),
                        gpc,
                        key_id: None,
                        checked_at: started,
                        recipient: None,
                    };
                    let leaf = crate::gate::check_leaf(&record, &d.reasons, gpc);
                    (record, leaf)
                });
                let allowed =
                    check.as_ref().filter(|(c, _)| c.decision == custos_policy::Decision::Allow.as_str()).map(|(c, _)| c.check_id);
                let decision = if let Some(check_id) = allowed
                    && rng.random_bool(0.8)
                {
                    // The registered demo model decides (and explains) from the customer's
                    // purchases, age band, tenure and sign-up channel; women sign up through the
                    // app more often, and the model learned to offer less to app customers.
                    let purchases = subject.data[&cat("user.behavior.purchase_history")?].as_array().map_or(0, Vec::len) as f64;
                    let age = subject.data[&cat("user.demographic.age_range")?].as_str().unwrap_or("");
                    let age_band = AGE_RANGES.iter().position(|a| *a == age).unwrap_or(0) as f64;
                    let female = subject.data[&cat("user.demographic.gender")?].as_str() == Some("female");
                    let channel = if rng.random_bool(if female { 0.7 } else { 0.15 }) { "app" } else { *pick(&mut rng, &["store", "web"]) };
                    let tenure = f64::from(rng.random_range(1..61u32));
                    let features: BTreeMap<String, Value> = [
                        ("purchases".to_owned(), json!(purchases)),
                        ("age_band".to_owned(), json!(age_band)),
                        ("tenure_months".to_owned(), json!(tenure)),
                        ("channel".to_owned(), json!(channel)),
                    ]
                    .into_iter()
                    .collect();
                    let (model_id, explanation) = crate::models::explain_decision(&model, &features)?;
                    let score = explanation.prediction.first().copied().unwrap_or(0.0);
                    // Whether the customer would have taken the offer does not depend on the channel.
                    let taken = sigmoid(-1.0 + 0.5 * purchases + 0.015 * tenure - 0.05 * age_band);
                    let actual = rng.random_bool(0.7).then(|| rng.random_bool(taken));
                    let yes_no = |b: bool| if b { "offer" } else { "no_offer" }.to_owned();
                    Some((
                        DecisionRecord {
                            decision_id: DecisionId::new(),
                            subject_id: subject.subject_id,
                            purpose: PurposeKey::parse(PURPOSES[DEMO_MODEL_PURPOSE].key)?,
                            check_id: Some(check_id),
                            model: DEMO_MODEL.into(),
                            model_version: DEMO_MODEL_VERSION.into(),
                            outcome: yes_no(score >= 0.5),
                            score: Some((score * 1e4).round() / 1e4),
                            features: Some(Value::Object(features.into_iter().collect())),
                            actual: actual.map(yes_no),
                            observed_at: actual.map(|_| started),
                            key_id: None,
                            created_at: started,
                            status: custos_core::DecisionStatus::Final,
                            significant: false,
                            decided_by: custos_core::DecidedBy::Model,
                            supersedes: None,
                            reason_code: None,
                            check_overtaken: false,
                        },
                        model_id,
                        explanation,
                    ))
                } else {
                    None
                };
                if rng.random_bool(0.01) {
                    let kinds = [DsrType::Access, DsrType::Erasure, DsrType::Objection, DsrType::OptOutOfSaleOrShare, DsrType::Portability];
                    open_requests.push((subject.subject_id, *pick(&mut rng, &kinds)));
                }
                if let Some((d, _, _)) = &decision
                    && offered.len() < 3
                {
                    offered.push((d.subject_id, d.check_id.unwrap_or_else(CheckId::new)));
                }
                batch.push((subject, events, check, decision));
            }
            let mut leaves = Vec::new();
            for (subject, events, check, decision) in &batch {
                leaves.push(crate::ledger::event_at(
                    LedgerEvent::SubjectCreated,
                    &subject.created_at,
                    crate::subjects::new_subject_fields(subject),
                ));
                leaves.extend(events.iter().map(crate::consents::consent_leaf));
                if let Some((_, leaf)) = check {
                    leaves.push(leaf.clone());
                }
                if let Some((d, model_id, _)) = decision {
                    leaves.push(crate::decisions::decision_leaf(self.0.store.keyring(), d, Some(model_id)));
                    if let Some(actual) = &d.actual {
                        leaves.push(crate::decisions::outcome_leaf(self.0.store.keyring(), &d.decision_id, actual, &d.created_at));
                    }
                }
            }
            summary.decisions += batch.iter().filter(|b| b.3.is_some()).count();
            let checks: Vec<custos_store::CheckRecord> = batch.iter().filter_map(|b| b.2.as_ref().map(|(c, _)| c.clone())).collect();
            self.0
                .write(async |tx| {
                    for (subject, events, _, _) in &batch {
                        custos_store::subjects::insert(tx, subject).await?;
                        for e in events {
                            custos_store::consents::insert_event(tx, e).await?;
                        }
                    }
                    custos_store::checks::insert_many(tx, &checks).await?;
                    for (_, _, _, decision) in &batch {
                        if let Some((d, model_id, explanation)) = decision {
                            custos_store::decisions::insert(tx, d).await?;
                            let doc = serde_json::to_value(explanation).map_err(ServiceError::internal)?;
                            custos_store::decisions::insert_explanation(tx, &d.decision_id, &d.subject_id, model_id, &doc, &d.created_at)
                                .await?;
                        }
                    }
                    custos_store::ledger::append_leaves(tx, &leaves).await?;
                    Ok(())
                })
                .await?;
            created += n;
            summary.subjects = created;
            progress(created);
        }
        for (subject_id, kind) in open_requests {
            let (objection, purpose) =
                if kind == DsrType::Objection { (Some(custos_core::ObjectionScope::DirectMarketing), None) } else { (None, None) };
            self.0
                .dsrs()
                .create(DsrInput {
                    subject_id: subject_id.to_string(),
                    dsr_type: kind,
                    objection,
                    purpose,
                    data: None,
                    statement: None,
                    decision_id: None,
                })
                .await?;
            summary.requests += 1;
        }
        if summary.decisions > 0 {
            // A daily audit of the last 90 days of offers, alerting past the four-fifths rule.
            self.0
                .fairness()
                .create_schedule(
                    crate::fairness::FairnessScheduleInput {
                        interval_seconds: 86_400,
                        window_seconds: Some(90 * 86_400),
                        audit: crate::fairness::FairnessAuditInput {
                            purpose: Some(PURPOSES[DEMO_MODEL_PURPOSE].key.into()),
                            model: Some(DEMO_MODEL.into()),
                            sensitive: vec!["user.demographic.gender".into()],
                            favorable: Some("offer".into()),
                            reference_group: Some("user.demographic.gender=male".into()),
                            // Demo deployments are small (a few dozen offers per group): below
                            // the default of 30 every group would be too small and the audit
                            // would fail, as it must on real data that thin.
                            min_group_size: Some(10),
                            thresholds: Some(BTreeMap::from([
                                ("demographic_parity_difference".into(), 0.1),
                                ("disparate_impact".into(), 0.8),
                            ])),
                            ..Default::default()
                        },
                    },
                    None,
                )
                .await?;
        }
        if summary.decisions > 0 {
            // A drift monitor on the offers, with the seeded decisions as its reference.
            self.0
                .monitors()
                .create(crate::monitors::MonitorInput {
                    name: "Next best offer inputs".into(),
                    purpose: Some(PURPOSES[DEMO_MODEL_PURPOSE].key.into()),
                    model: Some(DEMO_MODEL.into()),
                    reference_from: custos_core::format_timestamp(&(started - chrono::Duration::hours(1))),
                    reference_to: custos_core::format_timestamp(&(started + chrono::Duration::seconds(1))),
                    ..Default::default()
                })
                .await?;
        }
        summary.decisions += self.seed_lapses(&offered, &people[2]).await?;
        self.seed_exports().await?;
        Ok(summary)
    }

    /// What the compliance page should find to fix, each a lapse real deployments have: the
    /// e-mail campaign tool acting on a permission the customer has since withdrawn (it cached the
    /// gate's answer) and logging two offers without asking the gate at all, one of them marked
    /// significant without its inputs (so it has no explanation); the encryption policy,
    /// uploaded thirteen months ago, past its review date; and the support chat's AI disclosure,
    /// published but never served (the website does not show it).
    /// Returns the decisions it logged.
    async fn seed_lapses(&self, offered: &[(SubjectId, CheckId)], compliance: &crate::staff::StaffIdentity) -> Result<usize, ServiceError> {
        let purpose = PURPOSES[DEMO_MODEL_PURPOSE].key;
        let decision = |subject: &SubjectId, check: Option<&CheckId>, significant: bool| crate::decisions::DecisionInput {
            subject_id: subject.to_string(),
            purpose: purpose.into(),
            check_id: check.map(ToString::to_string),
            model: DEMO_MODEL.into(),
            model_version: DEMO_MODEL_VERSION.into(),
            outcome: "offer".into(),
            score: None,
            features: None,
            significant: Some(significant),
        };
        if let Some((subject, check)) = offered.first() {
            self.0
                .consents()
                .record(
                    crate::consents::ConsentInput {
                        subject_id: subject.to_string(),
                        purpose: purpose.into(),
                        status: ConsentStatus::Withdrawn,
                        method: "privacy_center".into(),
                        notice_version: "2026-11".into(),
                        notice_language: None,
                        source: Some("demo-unsubscribe".into()),
                        captured_at: None,
                    },
                    false,
                )
                .await?;
            self.0.decisions().record(decision(subject, Some(check), false), None).await?;
        }
        for (i, (subject, _)) in offered.iter().enumerate().skip(1) {
            self.0.decisions().record(decision(subject, None, i == 2), None).await?;
        }
        let at = now() - chrono::Duration::days(400);
        let review_on = (now() - chrono::Duration::days(35)).date_naive().format("%Y-%m-%d").to_string();
        let upload = crate::compliance::EvidenceUpload {
            control: Some("manual.encryption".into()),
            file_name: Some("encryption-policy.txt".into()),
            content_type: Some("text/plain".into()),
            content: b"Customer data is encrypted at rest under a key per customer and in transit with TLS 1.3. Keys are rotated yearly.\n"
                .to_vec(),
            owner: Some(compliance.email.clone()),
            review_on: Some(review_on),
        };
        self.0.compliance().upload_at(upload, Some(compliance), at).await?;
        // The support chat tells people they talk with an AI, in English; the website does not
        // fetch the disclosure yet, so it was never served.
        let chat = self
            .0
            .ai_systems()
            .create(crate::ai_systems::AiSystemInput {
                name: Some("Support chat".into()),
                description: Some("Answers customers' questions about orders and deliveries on the website.".into()),
                business_owner: Some("Head of customer service".into()),
                customer_facing: Some(true),
                direct_interaction: Some(true),
                jurisdictions: Some(vec!["DE".into(), "FR".into(), "US-CA".into()]),
                risk_tier: Some("limited".into()),
                ..Default::default()
            })
            .await?;
        self.0
            .ai_systems()
            .publish_disclosure(
                &chat.ai_system.ai_system_id.to_string(),
                "en",
                "You are chatting with an AI assistant. Write 'human' at any time to reach a person.",
            )
            .await?;
        Ok(offered.len())
    }

    /// Two processors the demo shop sends data to, with their agreements: an e-mail service in
    /// the EEA and an analytics service in the US under standard contractual clauses with a
    /// due-diligence review in draft, so the vendor register, its data-flow diagram and the
    /// review have something to show.
    async fn seed_vendors(&self, system: &str) -> Result<(), ServiceError> {
        use crate::vendors::{DpaInput, VendorInput};
        let by = crate::risks::RecordedBy { actor: "system:demo".into(), email: None };
        let vendors = self.0.vendors();
        let mailer = vendors
            .create(
                VendorInput {
                    name: Some("Mailwave Ltd".into()),
                    role: Some("processor".into()),
                    country: Some("IE".into()),
                    purposes: Some(vec![PURPOSES[DEMO_MODEL_PURPOSE].key.into()]),
                    data_categories: Some(vec!["user.contact.email".into()]),
                    ai_system_ids: Some(vec![system.to_owned()]),
                    ..Default::default()
                },
                &by,
            )
            .await?;
        let dpa = DpaInput {
            signed_on: Some("2025-06-01".into()),
            expires_on: Some("2028-05-31".into()),
            data_categories: Some(vec!["user.contact".into()]),
            reference: Some("DPA-2025-014".into()),
            ..Default::default()
        };
        vendors.add_dpa(&mailer.vendor.vendor_id.to_string(), dpa, &by).await?;
        let analytics = vendors
            .create(
                VendorInput {
                    name: Some("Insight Cloud Inc".into()),
                    role: Some("processor".into()),
                    country: Some("US".into()),
                    purposes: Some(vec![PURPOSES[0].key.into()]),
                    data_categories: Some(vec!["user.behavior.purchase_history".into()]),
                    ..Default::default()
                },
                &by,
            )
            .await?;
        let dpa = DpaInput {
            signed_on: Some("2026-02-01".into()),
            data_categories: Some(vec!["user.behavior".into()]),
            transfer_mechanism: Some("standard_contractual_clauses".into()),
            reference: Some("DPA-2026-003 with SCC module 2".into()),
            ..Default::default()
        };
        vendors.add_dpa(&analytics.vendor.vendor_id.to_string(), dpa, &by).await?;
        // A due-diligence review in progress: its 72-hour breach notice is a condition to agree.
        let answers = serde_json::json!({
            "security_measures_documented": true, "security_certification": "soc2_type2", "confidentiality": true,
            "breach_notice": "within_72h", "subprocessors_controlled": true, "assists_with_requests": true,
            "deletes_at_end": true, "audit_rights": true, "outside_eea": true, "transfer_assessment": "done", "uses_ai": false
        });
        let review = crate::assessments::AssessmentInput {
            vendor_id: Some(analytics.vendor.vendor_id.to_string()),
            questionnaire: Some(custos_govern::vendor::VENDOR_KEY.into()),
            answers: answers.as_object().cloned(),
            ..Default::default()
        };
        self.0.assessments().create(review, &by.actor).await?;
        // Something to fix, visible on the vendors and compliance pages: an audience vendor
        // whose agreement ran out last month.
        let lookalike = vendors
            .create(
                VendorInput {
                    name: Some("Lookalike Audiences BV".into()),
                    role: Some("processor".into()),
                    country: Some("NL".into()),
                    purposes: Some(vec![PURPOSES[1].key.into()]),
                    data_categories: Some(vec!["user.contact.email".into()]),
                    ..Default::default()
                },
                &by,
            )
            .await?;
        let today = now().date_naive();
        let dpa = DpaInput {
            signed_on: Some((today - chrono::Duration::days(700)).format("%Y-%m-%d").to_string()),
            expires_on: Some((today - chrono::Duration::days(30)).format("%Y-%m-%d").to_string()),
            data_categories: Some(vec!["user.contact".into()]),
            reference: Some("DPA-2025-002".into()),
            ..Default::default()
        };
        vendors.add_dpa(&lookalike.vendor.vendor_id.to_string(), dpa, &by).await?;
        Ok(())
    }

    /// The targeted-offers purpose's export policy (set by the demo's privacy officer: age
    /// ranges generalized until every group has at least 10 people, a privacy budget of ε = 2
    /// with the age ranges as declared keys), a segment of EU customers, one export of it and
    /// one private count, so the exports page has a file, a report and a budget partly spent.
    async fn seed_exports(&self) -> Result<(), ServiceError> {
        let (user_id, _) = self.0.staff().create_user("dpo@demo.custos", &[custos_core::Role::PrivacyOfficer], None).await?;
        let officer = crate::staff::StaffIdentity {
            user_id: user_id.clone(),
            email: "dpo@demo.custos".into(),
            roles: vec![custos_core::Role::PrivacyOfficer],
        };
        let purpose = PURPOSES[DEMO_MODEL_PURPOSE].key;
        let policy: crate::exports::ExportPolicy = serde_json::from_value(json!({
            "release": "rows",
            "quasi_identifiers": [{"field": "user.demographic.age_range", "hierarchy": {"tree": [
                {"18-24": "18-34", "25-34": "18-34", "35-44": "35-54", "45-54": "35-54", "55-64": "55+", "65+": "55+"}]}}],
            "k": 10,
            "max_suppressed": 0.02,
            "budget": {"epsilon": 2.0},
            "segment_keys": {"user.demographic.age_range": AGE_RANGES},
            "retention_days": 30
        }))
        .map_err(ServiceError::internal)?;
        self.0.exports().set_policy_as(purpose, policy, false, &officer).await?;
        let actor = format!("staff:{user_id}");
        let segment = self
            .0
            .exports()
            .create_segment(
                crate::exports::SegmentInput {
                    name: "EU customers".into(),
                    jurisdictions: ["AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL", "PL", "SE"].iter().map(|j| (*j).to_owned()).collect(),
                    filter: BTreeMap::new(),
                    fields: vec!["user.demographic.age_range".into()],
                },
                &actor,
            )
            .await?;
        // A small demo may hold too few customers for k = 10: then it makes no export (the
        // console says how to make one), rather than fail.
        let made = self
            .0
            .exports()
            .export(
                crate::exports::ExportInput {
                    purpose: purpose.into(),
                    segment_id: segment.segment_id.to_string(),
                    format: Some("csv".into()),
                    recipient: None,
                    tcf_vendor_id: None,
                },
                &actor,
            )
            .await;
        match made {
            Ok(_) | Err(ServiceError::Unprocessable(_)) => {}
            Err(e) => return Err(e),
        }
        self.0
            .exports()
            .query(
                crate::exports::DpQueryInput {
                    purpose: purpose.into(),
                    segment_id: Some(segment.segment_id.to_string()),
                    spec: crate::exports::StatisticsSpec {
                        segment_by: "user.demographic.age_range".into(),
                        statistic: crate::exports::Statistic::Count,
                        field: None,
                        bounds: None,
                        epsilon: Some(0.5),
                        rho: None,
                    },
                },
                &actor,
            )
            .await?;
        Ok(())
    }

    /// A breach the demo shop became aware of four days ago and has not notified yet: its
    /// 72-hour clock has run out, so the incidents page, the alerts and the compliance controls
    /// have a late notification to show.
    async fn seed_incident(&self) -> Result<(), ServiceError> {
        let aware = now() - chrono::Duration::days(4);
        let input = crate::incidents::IncidentInput {
            kind: Some("personal_data_breach".into()),
            title: Some("Campaign list sent to the wrong agency".into()),
            description: Some(
                "A spreadsheet of 120 customers' e-mail addresses and offer segments was e-mailed to the wrong marketing agency.".into(),
            ),
            became_aware_at: Some(custos_core::format_timestamp(&aware)),
            jurisdictions: Some(vec!["DE".into(), "FR".into()]),
            data_categories: Some(vec!["user.contact.email".into()]),
            subjects_affected: Some(120),
            ..Default::default()
        };
        self.0.incidents().create(input, "system:demo").await?;
        Ok(())
    }

    /// Whether the database is empty, was created by the demo, or holds other data.
    pub async fn database(&self) -> Result<DemoDatabase, ServiceError> {
        self.0
            .read(async |tx| {
                if custos_store::settings::get(tx, DEMO_SETTING).await?.is_some() {
                    return Ok(DemoDatabase::Demo);
                }
                Ok(if custos_store::settings::holds_data(tx).await? { DemoDatabase::Other } else { DemoDatabase::Fresh })
            })
            .await
    }

    /// Marks the database as the demo's (before seeding it).
    pub async fn mark_database(&self) -> Result<(), ServiceError> {
        self.0.write(async |tx| Ok(custos_store::settings::set(tx, DEMO_SETTING, b"1").await?)).await
    }

    /// How many demo subjects the demo created (0 if it is not a demo database).
    pub async fn subjects(&self) -> Result<usize, ServiceError> {
        let n = self.0.read(async |tx| Ok(custos_store::settings::get(tx, DEMO_SUBJECTS_SETTING).await?)).await?;
        Ok(n.and_then(|v| String::from_utf8(v).ok()).and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// The demo's one admin key: minted at the first start; at later starts the same key (by
    /// id, its secret was shown once), unless it was never shown or was revoked, in which case
    /// it is revoked and a new one minted, so a demo database never collects `all` keys.
    pub async fn admin_key(&self) -> Result<DemoKey, ServiceError> {
        let (id, shown) = self
            .0
            .read(async |tx| {
                Ok((
                    custos_store::settings::get(tx, DEMO_KEY_SETTING).await?,
                    custos_store::settings::get(tx, DEMO_KEY_SHOWN_SETTING).await?,
                ))
            })
            .await?;
        let id = id.and_then(|v| String::from_utf8(v).ok()).and_then(|v| ApiKeyId::parse(&v).ok());
        if let Some(id) = id {
            let active = self.0.keys().all().await?.iter().any(|k| k.key_id == id && k.revoked_at.is_none());
            if active && shown.is_some() {
                return Ok(DemoKey::Shown(id));
            }
            if active {
                self.0.keys().revoke(&id.to_string()).await?;
            }
        }
        let key = self
            .0
            .keys()
            .create(
                ApiKeyInput { scopes: vec![Scope::All], label: "admin (custos serve --demo)".into(), ..Default::default() },
                crate::KeyIssuer::Host,
            )
            .await?;
        let key_id = key.key_id.to_string();
        // "Shown" is set by `demo_key_shown` once the key is printed.
        self.0
            .write(async |tx| {
                custos_store::settings::set(tx, DEMO_KEY_SETTING, key_id.as_bytes()).await?;
                Ok(custos_store::settings::clear(tx, DEMO_KEY_SHOWN_SETTING).await?)
            })
            .await?;
        Ok(DemoKey::New(key))
    }

    /// Records that the demo's admin key was shown.
    pub async fn key_shown(&self) -> Result<(), ServiceError> {
        self.0.write(async |tx| Ok(custos_store::settings::set(tx, DEMO_KEY_SHOWN_SETTING, b"1").await?)).await
    }
}
