# Sentence templates for the PII evaluation corpus.
#
# Each entry is (lang, kind, template). Placeholders in {BRACES} are filled
# by make_corpus.py; the literal text of a template must contain no entity
# that the label conventions would tag (no literal names, places, companies,
# dates), so every labeled span comes from a placeholder.
#
# Labeled placeholders (type):
#   NAME NAME2 NAME3 FIRST FIRST2 LAST LAST2 AGENT           PERSON
#   EMAIL EMAIL2 WORKEMAIL                                   EMAIL_ADDRESS
#   PHONE PHONE2 PHONEINTL                                   PHONE_NUMBER
#   CITY CITY2 WCITY COUNTRY COUNTRY2 REGION                 LOCATION
#   ADDRESS (street + postcode + city; only the city)        LOCATION
#   ORG ORG2 BIGORG                                          ORGANIZATION
#   NAT RELIGION PARTY                                       NRP
#   DATE DATE2 TIME TIME2 DATETIME DOB TS MONTHYEAR          DATE_TIME
#   URL URL2 DOMAIN                                          URL
#   CC CREDIT_CARD | BTC ETH CRYPTO | IBAN IBAN_CODE | IP IPV4 IPV6 IP_ADDRESS
#   MAC MAC_ADDRESS | UUID UUID | DEA MEDICAL_LICENSE | NHS UK_NHS
#   SSN US_SSN | ITIN US_ITIN | BANKACCT US_BANK_NUMBER
#   USDL US_DRIVER_LICENSE | USPASS US_PASSPORT | NINO UK_NINO
#   DETAX DE_TAX_ID | NIR FR_NIR | DNI ES_NIF | NIE ES_NIE | CF IT_FISCAL_CODE
# Unlabeled (negatives, recorded in "neg"):
#   ORDER TRACKING BADCC BADIBAN SKU INVOICE VERSION EPOCH TICKET AMOUNT QTY
#   ZIP SHA REL(past) RELF(future) PROMO {CAP:Word}
# Unlabeled filler: PRODUCT

T = []


def add(lang, kind, *templates):
    for t in templates:
        T.append((lang, kind, t))


# ---------------------------------------------------------------- support
add("en", "support",
    "Hi, my name is {NAME} and I never received order {ORDER}. The tracking number {TRACKING} hasn't updated since {DATE}.",
    "Hello, I ordered {PRODUCT} on {DATE} (order {ORDER}) but it arrived damaged. Please call me back on {PHONE}.",
    "Please update the email on my account from {EMAIL} to {EMAIL2}. Account holder: {NAME}.",
    "I was charged {AMOUNT} twice for invoice {INVOICE}. The card used was {CC}. Can you refund one of them?",
    "My card ending in 4421 was declined at checkout. I tried again with {CC} and it worked, but I see a pending charge of {AMOUNT}.",
    "Can you change the delivery address to {ADDRESS}? I'm moving {RELF} and won't be at the old place.",
    "Hi {AGENT}, thanks for your help {REL}. The replacement ({SKU}) still shows as out of stock on {URL}.",
    "Customer {NAME} ({EMAIL}) reports that the app crashes on version {VERSION} when uploading photos. Ticket {TICKET}.",
    "I live in {CITY} and your courier keeps leaving parcels with the wrong neighbour. Tracking: {TRACKING}.",
    "Refund request: order {ORDER}, {QTY}, total {AMOUNT}. Please send the money back to {IBAN}.",
    "Good morning, I am writing on behalf of my mother, {NAME}, who cannot access her account. Her phone is {PHONE}.",
    "The parcel was supposed to arrive on {DATE} between {TIME} and {TIME2}. Nobody showed up. Order ref {ORDER}.",
    "Hey, just tried to log in from {CITY} and got locked out. My username is {EMAIL}. Can you unlock it please?",
    "Please cancel my subscription effective {DATE}. Name on the account: {NAME}, postcode {ZIP}.",
    "I paid by bank transfer to {IBAN} on {DATE} but the invoice {INVOICE} is still marked unpaid.",
    "{CAP:Will} someone get back to me today? I've been waiting since {DATE} about ticket {TICKET}.",
    "{CAP:Mark} this one as urgent please: the customer {NAME} says the charger from order {ORDER} overheated.",
    "My new phone number is {PHONE}, please update it on file. The old one was {PHONE2}.",
    "Return label requested for {PRODUCT}. Ship from: {ADDRESS}. Contact: {PHONE}.",
    "The technician, {NAME2}, came by on {DATE} at {TIME} but didn't bring the right part ({SKU}).",
    "I'm travelling to {WCITY} on {DATE} and need the roaming add-on activated before then. Line: {PHONE}.",
    "Why was I charged {AMOUNT} on {DATE}? I cancelled the trial {REL}. Card: {CC}.",
    "Dear support team, my package {TRACKING} is stuck in customs in {COUNTRY}. Could you check with the carrier? Thanks, {NAME}",
    "The promo code {PROMO} doesn't work at checkout on {DOMAIN}. I'm trying to buy {QTY} of {SKU}.",
    "I can't reset my password. The reset mail never arrives at {EMAIL}. I last logged in on {DATETIME}.",
    "Hi there! Order {ORDER} shows delivered but I never got it. I'm at {ADDRESS}. Please advise. - {FIRST}",
    "{CAP:Bill} the remaining {AMOUNT} to the company card please, not my personal one. Invoice {INVOICE}.",
    "Hello, this is {NAME} from {ORG}. We'd like to upgrade to {PRODUCT} for {QTY}. Please send a quote to {WORKEMAIL}.",
    "My order number is {ORDER} and my zip is {ZIP}. The item was {SKU}, price {AMOUNT}.",
    "Please stop sending me texts at {PHONE}. I unsubscribed on {DATE}.",
)

# ---------------------------------------------------------------- chat turns
add("en", "chat",
    "User: hi, can u check my order {ORDER}? Agent {AGENT}: Sure! It left our warehouse in {CITY} on {DATE}.",
    "Customer: I need to change my flight to {WCITY}. Booking is under {NAME}. Agent: Of course, what date works? Customer: {DATE}, ideally before {TIME}.",
    "[{TIME}] {FIRST}: the invoice {INVOICE} still shows the old address\n[{TIME2}] {AGENT}: fixed, it now says {ADDRESS}",
    "> is this {EMAIL}?\n< yes that's me. also my number changed to {PHONE}",
    "bot: Please enter your date of birth.\nuser: {DOB}\nbot: Thanks {FIRST}. Please confirm the last 4 digits of your SSN.",
    "agent: can you confirm the card number?\ncustomer: {CC}\nagent: thank you, the payment of {AMOUNT} went through.",
    "Chat transcript {TICKET} - {DATE}\nVisitor: where is my refund??\nAgent {AGENT}: It was sent to {IBAN} {REL}.",
    "{FIRST} (visitor): my tracking {TRACKING} says exception\n{AGENT} (agent): I see a delivery attempt at {TIME}, the driver left a note.",
    "me: yo {FIRST}, send me your new address\n{FIRST}: {ADDRESS}, buzz 4\nme: got it",
    "Customer wrote: \"I'm {NAT} and my passport name is {NAME}, does that matter for the booking?\"",
    "visitor: can I pay with crypto?\nagent: yes, send {AMOUNT} worth of BTC to {BTC} and reply with the tx hash.",
    "User: the app says \"version {VERSION} required\" but I'm already updated. Device ID {UUID}.",
    "Agent: For security, what's the email on file? Customer: {EMAIL}. Agent: And the phone? Customer: {PHONE}.",
    "{CAP:Grant} me access to the shared mailbox please, I'm covering for {NAME} until {DATE}.",
    "hey it's {FIRST} from {CITY}, i ordered {QTY} but only got half. order {ORDER}",
    "User: my wallet address is {ETH}, the withdrawal of {AMOUNT} hasn't arrived. Agent: Checking with the finance team now.",
)

# ---------------------------------------------------------------- CRM notes
add("en", "crm",
    "Call note {DATE}: spoke with {NAME} ({ORG}), interested in {PRODUCT}. Follow up via {WORKEMAIL} or {PHONE}.",
    "Lead: {NAME}, {ORG}, based in {CITY}, {COUNTRY}. Source: webinar. Budget approx {AMOUNT}.",
    "Contact updated by {AGENT} on {DATETIME}: new mobile {PHONE}, new email {EMAIL}.",
    "Meeting with {NAME} and {NAME2} from {ORG} rescheduled to {DATE} at {TIME} in our {CITY} office.",
    "Account owner: {NAME}. Billing contact: {NAME2} <{EMAIL2}>. Renewal date {DATE}. Contract value {AMOUNT}.",
    "{NAME} mentioned she is {RELIGION} and asked that we avoid scheduling calls on religious holidays.",
    "Prospect {NAME} is a registered {PARTY} and asked to be removed from the political newsletter list.",
    "Customer profile: {NAME}, DOB {DOB}, {NAT} national, lives in {REGION}. Preferred contact: {EMAIL}.",
    "Note: {FIRST} from {ORG} says their procurement portal is {URL}. PO number will follow. Ref {INVOICE}.",
    "Deal {TICKET} moved to Closed Won. Champion: {NAME} ({WORKEMAIL}). Kickoff {DATE}.",
    "Duplicate contacts merged: {NAME} / {EMAIL} and {NAME} / {EMAIL2}. Kept the one with phone {PHONE}.",
    "Visited the {ORG} site at {ADDRESS} on {DATE}. Met {NAME}, head of operations.",
    "Partner referral from {BIGORG}: {NAME}, {PHONE}. Wants a demo {RELF}.",
    "{CAP:Chase} the signed contract from {NAME} by {DATE}; legal is waiting. Doc ID {UUID}.",
    "Churn risk: {NAME} ({ORG}) complained about pricing; last NPS survey {DATE} scored 3.",
    "Customer since {MONTHYEAR}. Primary contact {NAME}, secondary {NAME2}. HQ in {WCITY}.",
    "Outbound call to {PHONE} at {TIME}: no answer, left voicemail for {FIRST}.",
    "Address change requested by {NAME}: old {ADDRESS}; please update invoices from {DATE}.",
)

# ---------------------------------------------------------------- marketing
add("en", "marketing",
    "Hi {FIRST}, your exclusive offer ends {DATE}! Use code {PROMO} at {URL} to get {AMOUNT} off {PRODUCT}.",
    "Dear {NAME}, thank you for joining our loyalty club in {CITY}. Your member page: {URL}",
    "Join us at our pop-up store in {WCITY} on {DATE} from {TIME} to {TIME2}. RSVP at {DOMAIN}.",
    "{FIRST}, we miss you! Come back before {DATE} and get free shipping on orders over {AMOUNT}.",
    "New arrivals are here, {FIRST}. Shop the collection at {URL} or call our stylists at {PHONE}.",
    "You're invited: annual customer summit, {DATE}, {CITY}. Speakers include {NAME} ({ORG}) and {NAME2}.",
    "Congratulations {NAME}! You won a {AMOUNT} voucher. Claim it at {URL} before {DATETIME}.",
    "Newsletter sign-up confirmed for {EMAIL}. To unsubscribe visit {URL}.",
    "Our {COUNTRY} customers can now pay by bank transfer. Questions? Write to {EMAIL} or call {PHONEINTL}.",
    "Flash sale {DATE} only: {QTY} of {SKU} for {AMOUNT}. Details on {DOMAIN}.",
    "Hey {FIRST}! Your friend {NAME2} sent you {AMOUNT} credit. Redeem with code {PROMO}.",
    "Webinar reminder: \"Scaling support teams\" starts {DATETIME}. Join link: {URL}",
    "Thanks for your purchase of {PRODUCT}, {FIRST}. Rate us and win a trip to {WCITY}!",
    "Store opening in {CITY}, {REGION} on {DATE}. First 100 visitors get a free gift.",
)

# ---------------------------------------------------------------- LLM prompts
add("en", "prompt",
    "Summarize this email for me: \"Hi team, {NAME} from {ORG} called about invoice {INVOICE}. She can be reached at {PHONE} or {EMAIL}.\"",
    "Write a polite reply to {NAME}, who complained that order {ORDER} arrived late in {CITY}. Offer a {AMOUNT} voucher.",
    "Translate to French: \"Dear {NAME}, your appointment is confirmed for {DATE} at {TIME}.\"",
    "You are a helpful assistant. The user {NAME} (DOB {DOB}, SSN {SSN}) wants to know if they qualify for the program.",
    "Extract all action items from these notes: met {NAME} and {NAME2} on {DATE}; send pricing to {WORKEMAIL}; book travel to {WCITY}.",
    "Draft a cover letter for {NAME}, who lives in {CITY} and wants to apply to {ORG}. Phone {PHONE}, email {EMAIL}.",
    "Classify the sentiment of this review: \"Ordered {PRODUCT} on {DATE}, arrived broken. Support rep {AGENT} was great though.\"",
    "Rewrite this more formally: hey {FIRST} pls wire the {AMOUNT} to {IBAN} by {DATE} thx",
    "Fix the JSON: {\"name\": \"{NAME}\", \"email\": \"{EMAIL}\", \"ip\": \"{IP}\", \"created\": \"{TS}\"",
    "Given this log line, explain the error: {TS} ERROR auth failed for user {EMAIL} from {IPV4} (attempt 3)",
    "Generate SQL to find customers like {NAME} in {CITY} who signed up after {DATE}.",
    "Please check whether this card number is valid: {BADCC}. The customer said it was declined.",
    "My bank says the IBAN {BADIBAN} is wrong. Can you spot the typo? The correct one might be {IBAN}.",
    "Act as a tax advisor. My ITIN is {ITIN} and I moved from {COUNTRY} to {REGION} in {MONTHYEAR}. What forms do I need?",
    "Summarize the patient note: {NAME}, NHS number {NHS}, seen on {DATE} at {ORG}. Referred by Dr. {LAST2}.",
    "Write a short bio for {NAME}, a {NAT} engineer living in {WCITY} who works at {BIGORG}.",
    "Is this a valid national insurance number: {NINO}? It belongs to {NAME}.",
    "Here is a customer record, anonymize it: name={NAME}; email={EMAIL}; phone={PHONE}; card={CC}; ip={IP}",
    "Explain this commit message: \"fix null deref in session cache ({SHA}), reported by {NAME}\"",
    "Compose an out-of-office reply: I'm away until {DATE}; for urgent matters contact {NAME2} at {EMAIL2}.",
    "Translate to English: \"{NAME} wohnt in {CITY} und ist unter {PHONE} erreichbar.\"",
    "List three gift ideas for {FIRST}, who loves hiking and lives near {CITY}.",
    "I'm building a CRM import. Parse this row: {NAME},{EMAIL},{PHONE},{ADDRESS},{DATE}",
)

# ---------------------------------------------------------------- logs / dev
add("en", "log",
    "{TS} INFO login ok user={EMAIL} ip={IPV4} session={UUID}",
    "ts={EPOCH} level=warn msg=\"payment retry\" order={ORDER} amount={AMOUNT}",
    "ts={EPOCH} level=error msg=\"webhook timeout\" url={URL} attempt=3 build={VERSION}",
    "[{TS}] client {IPV6} requested /api/v2/orders/{ORDER} -> 404",
    "DHCP lease: host printer-3f mac={MAC} ip={IPV4} expires {TS}",
    "deploy {VERSION} (commit {SHA}) by {EMAIL} at {TS}",
    "ts={EPOCH} event=device_registered device_id={UUID} mac={MAC}",
    "WARN rate limit exceeded for {IP}, ticket {TICKET} opened automatically",
    "audit: user {EMAIL} exported report {UUID} from {IPV4} on {DATETIME}",
    "ts={EPOCH} msg=\"sha mismatch\" expected={SHA} got={SHA} pkg=core@{VERSION}",
    "Firewall blocked {IPV4} -> {IPV4} port 443 at {TIME}, rule {SKU}",
    "sync job {UUID} finished in 3.2s, {QTY} processed, next run {TS}",
)

# ---------------------------------------------------------------- finance / HR
add("en", "finance",
    "Please wire {AMOUNT} to {NAME}, IBAN {IBAN}, reference {INVOICE}, value date {DATE}.",
    "Direct deposit form: employee {NAME}, routing 021000021, account number {BANKACCT}, start {DATE}.",
    "My checking account number is {BANKACCT} - please set up autopay for invoice {INVOICE}.",
    "Payroll change: {NAME} (SSN {SSN}) moves to {CITY}, {REGION} effective {DATE}.",
    "W-9 received from {NAME}: taxpayer ID {ITIN}, address {ADDRESS}.",
    "New hire onboarding: {NAME}, start date {DATE}, SSN {SSN}, emergency contact {NAME2} {PHONE}.",
    "Background check consent signed by {NAME} on {DATE}. Driver's license {USDL}, SSN {SSN}.",
    "Travel request: {NAME}, passport number {USPASS}, flying to {WCITY} on {DATE}.",
    "Expense report {INVOICE}: dinner in {CITY} {AMOUNT}, taxi {AMOUNT}. Approved by {NAME2}.",
    "Vendor payment failed: bank returned \"invalid account\" for {BADIBAN}. Contact {WORKEMAIL}.",
    "Crypto payout for {NAME}: {AMOUNT} to {ETH}, requested {DATETIME}.",
    "Donation received from {NAME} via BTC address {BTC} on {DATE}. Thank-you letter to {ADDRESS}.",
    "Chargeback on card {CC} for order {ORDER}; the cardholder {NAME} disputes {AMOUNT}.",
    "Refund to original payment method: card {CC}, {AMOUNT}, processed {DATETIME} by {AGENT}.",
    "Please update the deposit account for {NAME}: bank account no. {BANKACCT}, effective {DATE}.",
    "Employee {NAME} changed tax residence to {COUNTRY}; German tax ID {DETAX} must be added to the payroll record.",
    "The applicant {NAME} lists her French social security number as {NIR}. Start date {DATE}.",
    "Spanish subsidiary new hire: {NAME}, DNI {DNI}, start {DATE}, office in {CITY}.",
    "Contractor {NAME} is registered for tax purposes under NIE {NIE}; invoices go to {WORKEMAIL}.",
    "Italian payroll: {NAME}, codice fiscale {CF}, residence {CITY}.",
    "UK employee {NAME}, National Insurance number {NINO}, joins on {DATE}.",
    "Identity verification: driver license {USDL} issued in {REGION}, holder {NAME}, DOB {DOB}.",
    "Passport {USPASS} expires on {DATE}; please remind {NAME} to renew before the trip to {COUNTRY}.",
    "{CAP:Bill} to: {NAME}, {ORG}, {ADDRESS}. VAT invoice {INVOICE}, total {AMOUNT}.",
)

# ---------------------------------------------------------------- health
add("en", "health",
    "Appointment confirmed for {NAME} on {DATE} at {TIME} with Dr. {LAST2}. Please bring your insurance card.",
    "Prescription faxed by Dr. {NAME2}, DEA number {DEA}, for patient {NAME} (DOB {DOB}).",
    "Pharmacy note: prescriber DEA {DEA} verified on {DATE}; patient callback {PHONE}.",
    "Patient {NAME}, NHS no. {NHS}, missed the appointment on {DATE}. GP surgery in {CITY}.",
    "Referral for {NAME} (NHS {NHS}) to the clinic at {ADDRESS}; contact {PHONE}.",
    "Lab results for {NAME} are ready. Log in at {URL} with your date of birth ({DOB}).",
    "The patient is {RELIGION} and declined a blood transfusion; discussed on {DATE} with {NAME2}.",
    "Dr. {LAST2}, DEA {DEA}, please confirm the controlled substance order {ORDER} for {QTY}.",
)

# ---------------------------------------------------------------- travel / misc
add("en", "travel",
    "Booking {TICKET}: {NAME}, {DATE} {WCITY} to {WCITY}, departure {TIME}. Contact {EMAIL}.",
    "Hotel reservation for {NAME} in {CITY} from {DATE} to {DATE2}. Guest phone {PHONEINTL}.",
    "Visa support letter needed for {NAME}, {NAT} citizen, visiting {COUNTRY} in {MONTHYEAR}.",
    "Car rental pickup {DATETIME} at the {CITY} airport. Driver: {NAME}, license {USDL}.",
    "Lost luggage claim {TICKET}: passenger {NAME}, flight on {DATE}, deliver to {ADDRESS}.",
    "{CAP:Rose} and gold color options are back in stock! Order before {DATE} for delivery to {COUNTRY}.",
    "{CAP:Jack} up the priority on {TICKET}, the client {NAME} flies to {WCITY} on {DATE}.",
    "{CAP:Sue} from accounting asked whether invoice {INVOICE} was paid.",
)

# ---------------------------------------------------------------- negatives-heavy
add("en", "ops",
    "Order {ORDER} was split into two shipments: {TRACKING} and {TRACKING}. Total {AMOUNT}.",
    "Invoice {INVOICE} for {QTY} of {SKU} is attached. Payment due in 30 days.",
    "Build {VERSION} is rolling out; rollback target is {VERSION}. Commit {SHA}.",
    "Ticket {TICKET} closed: customer confirmed the fix in {VERSION}.",
    "Warehouse scan: {SKU}, {QTY}, tracking {TRACKING}, order {ORDER}.",
    "The card number {BADCC} failed validation, please ask the customer to re-enter it.",
    "IBAN {BADIBAN} rejected by the bank (checksum error). Ticket {TICKET}.",
    "Please ship {QTY} to ZIP {ZIP}. Reference {ORDER}.",
    "{CAP:Will} the {VERSION} release include the fix for ticket {TICKET}?",
    "Merged {SHA} into main; tag {VERSION}; release notes at {URL}.",
    "Price update: {SKU} now {AMOUNT}, was {AMOUNT}. Effective {RELF}.",
    "ts={EPOCH} order={ORDER} status=shipped carrier_ref={TRACKING}",
    "{CAP:Mark} order {ORDER} as lost in transit and reship {QTY}.",
    "Return authorization {TICKET} for {SKU}; refund {AMOUNT} after inspection.",
    "Customer typed card {BADCC} and then {CC}; only the second one passed the check.",
    "Postal code {ZIP} is outside our delivery area for {PRODUCT}.",
    "Checksum {SHA} matches the artifact for {VERSION}.",
    "ts={EPOCH} job=reindex shard=7 docs=48213 took_ms=912",
    "{CAP:Grant} refund of {AMOUNT} for order {ORDER}, approved {REL}.",
    "Your order {ORDER} has shipped! Track it with {TRACKING}. Estimated delivery {RELF}.",
    "Invoice {INVOICE} total {AMOUNT} incl. VAT; {QTY}; SKU {SKU}.",
    "Reminder: ticket {TICKET} about order {ORDER} is still open.",
)

# ---------------------------------------------------------------- more support / chat variety
add("en", "support",
    "Hello {AGENT}, I spoke to your colleague {NAME2} {REL} about order {ORDER}; she promised a callback to {PHONE}.",
    "Could you please send the receipt to {EMAIL}? It's for the purchase made on {DATE} in your {CITY} store.",
    "I moved from {CITY} to {CITY2}. New address: {ADDRESS}. Please transfer my contract.",
    "My son {FIRST2} used my card {CC} without permission on {DATE}. I want to dispute {AMOUNT}.",
    "For verification: full name {NAME}, date of birth {DOB}, last four of SSN 6789, phone {PHONE}.",
    "We are {ORG}, a reseller in {COUNTRY}. Please contact our buyer {NAME} at {WORKEMAIL}.",
    "The router ({MAC}) keeps dropping the connection. Public IP is {IPV4}. Firmware {VERSION}.",
    "Wi-Fi extender MAC {MAC} not showing up in the app; my account is {EMAIL}.",
    "Static IP assigned to your line: {IPV4}; IPv6 prefix {IPV6}. Installation on {DATE}.",
    "I can't log in from my office network ({IP}). Ticket {TICKET}. Thanks, {NAME}",
    "Your warranty registration for serial {UUID} is complete, {FIRST}. Coverage ends {DATE}.",
    "The license key email went to {EMAIL} but I need it at {EMAIL2}. Order {ORDER}.",
    "Please refund to my bank account: {NAME}, IBAN {IBAN}. Thanks in advance.",
    "I tried paying with card {CC} on {DOMAIN} and got error E-402. My IP was {IP}.",
    "{NAME} here - the courier left my parcel at {ADDRESS} but I live at the next building.",
    "It's {FIRST} again, still waiting on the technician scheduled for {DATETIME}.",
    "Support, my crypto deposit to {BTC} from {DATE} is missing. Amount {AMOUNT}.",
    "Our office in {CITY} needs {QTY} more licenses. Billing contact {NAME}, {PHONE}, {WORKEMAIL}.",
    "I was born on {DOB} but your form shows the wrong year. Please fix it for {NAME}.",
    "The delivery to {COUNTRY} took three weeks. Order {ORDER}, shipped {DATE}, arrived {DATE2}.",
)
add("en", "chat",
    "Agent {AGENT}: Could I have your account email? | Customer: it's {EMAIL} | Agent: thanks {FIRST}!",
    "[{TIME}] customer: my flight from {WCITY} landed late, can i check in after {TIME2}?",
    "{FIRST}: did u get my msg? call me {PHONE}\n{FIRST2}: will do after lunch",
    "Visitor from {CITY}: is there a store near me? Agent: Yes, at {ADDRESS}, open until {TIME}.",
    "User: please delete all my data. Email {EMAIL}, phone {PHONE}, customer since {MONTHYEAR}.",
    "bot: What's your passport number?\nuser: {USPASS}\nbot: Thank you, {FIRST}. Your booking for {DATE} is confirmed.",
    "user: my IBAN is {IBAN} and my name is {NAME}, why did the transfer bounce?",
    "user: here's my driver's license number {USDL}, is that enough for the rental?",
)

# ---------------------------------------------------------------- German
add("de", "support",
    "Guten Tag, mein Name ist {NAME}. Meine Bestellung {ORDER} vom {DATE} ist noch nicht angekommen. Sendungsnummer: {TRACKING}.",
    "Bitte überweisen Sie den Betrag von {AMOUNT} auf mein Konto {IBAN} (Kontoinhaber {NAME}).",
    "Hallo {AGENT}, ich bin umgezogen. Neue Adresse: {ADDRESS}. Telefon: {PHONE}.",
    "Rückruf erbeten: {NAME}, {PHONE}, am besten {RELF} ab {TIME} Uhr.",
    "Sehr geehrte Damen und Herren, meine Steuer-ID lautet {DETAX}. Bitte korrigieren Sie die Lohnabrechnung für {MONTHYEAR}.",
    "Kundennotiz: {NAME} aus {CITY} ({REGION}) möchte den Vertrag zum {DATE} kündigen. E-Mail: {EMAIL}.",
    "Termin mit {NAME} von {ORG} am {DATE} um {TIME} Uhr in {CITY} bestätigt.",
    "Die Rechnung {INVOICE} über {AMOUNT} wurde doppelt abgebucht. Bitte erstatten Sie den Betrag an {IBAN}.",
    "Meine neue Handynummer ist {PHONE}, die alte {PHONE2} bitte löschen.",
    "Lieferung nach {COUNTRY} möglich? Ich wohne in {CITY}. Gruß, {FIRST}",
    "Die IBAN {BADIBAN} wurde von der Bank abgelehnt. Korrekte IBAN: {IBAN}.",
    "Mitarbeiter {NAME}, Steueridentifikationsnummer {DETAX}, Eintritt am {DATE}, Standort {CITY}.",
    "Hallo, hier ist {FIRST}. Ich war {REL} in Ihrer Filiale in {CITY} und habe mein Handy vergessen.",
    "Bestellung {ORDER}: {QTY} Artikel {SKU}, Gesamtbetrag {AMOUNT}, Lieferung an {ADDRESS}.",
)

# ---------------------------------------------------------------- French
add("fr", "support",
    "Bonjour, je m'appelle {NAME} et ma commande {ORDER} du {DATE} n'est toujours pas arrivée.",
    "Merci de rembourser {AMOUNT} sur mon compte {IBAN}. Titulaire : {NAME}.",
    "Mon numéro de sécurité sociale est {NIR}, pouvez-vous mettre à jour mon dossier ?",
    "Rendez-vous confirmé avec {NAME} le {DATE} à {TIME} dans notre agence de {CITY}.",
    "Nouvelle adresse de livraison : {ADDRESS}. Téléphone : {PHONE}.",
    "Note client : {NAME} ({EMAIL}) souhaite résilier son abonnement au {DATE}.",
    "Bonjour {AGENT}, je suis en déplacement à {WCITY} jusqu'au {DATE}, rappelez-moi au {PHONE}.",
    "Salarié {NAME}, NIR {NIR}, embauché le {DATE}, site de {CITY} ({REGION}).",
    "La facture {INVOICE} de {AMOUNT} a été payée deux fois. Merci de vérifier. Cordialement, {FIRST}",
    "Le colis {TRACKING} est bloqué en douane en {COUNTRY}. Pouvez-vous contacter {ORG} ?",
    "J'ai changé de numéro : {PHONE}. Mon adresse e-mail reste {EMAIL}.",
    "Je n'ai pas reçu le remboursement promis {REL} pour la commande {ORDER}.",
)

# ---------------------------------------------------------------- Spanish
add("es", "support",
    "Hola, soy {NAME}. Mi pedido {ORDER} del {DATE} todavía no ha llegado.",
    "Mi DNI es {DNI} y mi teléfono {PHONE}. Necesito cambiar la dirección de envío a {ADDRESS}.",
    "Por favor, devuelvan {AMOUNT} a mi cuenta {IBAN}. Titular: {NAME}.",
    "Cita confirmada con {NAME} el {DATE} a las {TIME} en nuestra oficina de {CITY}.",
    "El cliente {NAME} ({EMAIL}) tiene NIE {NIE} y vive en {CITY}, {REGION}.",
    "Nuevo empleado: {NAME}, DNI {DNI}, fecha de alta {DATE}.",
    "Buenos días {AGENT}, les escribo desde {COUNTRY}. Mi número es {PHONE}. Gracias, {FIRST}.",
    "La factura {INVOICE} por {AMOUNT} se cobró dos veces con la tarjeta {CC}.",
    "Registro de trabajador extranjero: {NAME}, NIE {NIE}, alta el {DATE}.",
    "Le llamé {REL} pero nadie contestó. Mi pedido es {ORDER} y el seguimiento {TRACKING}.",
    "Reunión con {NAME} de {ORG} el {DATETIME}. Confirmar por correo a {EMAIL}.",
)

# ---------------------------------------------------------------- Italian
add("it", "support",
    "Buongiorno, sono {NAME} e il mio ordine {ORDER} del {DATE} non è ancora arrivato.",
    "Il mio codice fiscale è {CF}, potete aggiornare la mia anagrafica? Grazie, {NAME}.",
    "Vi prego di rimborsare {AMOUNT} sul conto {IBAN} intestato a {NAME}.",
    "Appuntamento confermato con {NAME} il {DATE} alle {TIME} presso la sede di {CITY}.",
    "Nuovo indirizzo di consegna: {ADDRESS}. Cellulare: {PHONE}.",
    "Cliente {NAME} ({EMAIL}), codice fiscale {CF}, residente a {CITY}.",
    "Salve {AGENT}, sono in viaggio a {WCITY} fino al {DATE}, richiamatemi al {PHONE}.",
    "La fattura {INVOICE} di {AMOUNT} risulta pagata due volte. Saluti, {FIRST}",
    "Il pacco {TRACKING} è fermo in {COUNTRY}. Potete contattare {ORG}?",
    "Ho cambiato numero: {PHONE}. Vi ho scritto {REL} per l'ordine {ORDER}.",
    "Assunzione: {NAME}, codice fiscale {CF}, decorrenza {DATE}, sede di {CITY} ({REGION}).",
)
