"""Words and sentences of the generated data: product names and feedback comments, per language."""

from __future__ import annotations

from typing import Final

__all__ = [
    "CATEGORIES",
    "COMMENTS",
    "CONTACT_SENTENCES",
    "MODEL_NAMES",
    "PRODUCT_NOUNS",
]

CATEGORIES: Final[dict[str, tuple[int, int]]] = {
    # category -> (lowest, highest) unit price in cents
    "clothing": (900, 12_000),
    "shoes": (2_500, 18_000),
    "books": (600, 4_500),
    "electronics": (1_500, 90_000),
    "home": (800, 40_000),
    "beauty": (500, 9_000),
    "sports": (1_000, 30_000),
    "toys": (700, 8_000),
    "grocery": (200, 4_000),
    "garden": (900, 25_000),
}
"""Product categories (also the vocabulary of contacts' interests) and their price ranges."""

PRODUCT_NOUNS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "fr": {
        "clothing": ("T-shirt", "Pull", "Jean", "Veste", "Robe", "Chemise"),
        "shoes": ("Baskets", "Bottines", "Sandales", "Chaussures de course"),
        "books": ("Roman", "Livre de cuisine", "Bande dessinée", "Guide de voyage"),
        "electronics": ("Casque audio", "Enceinte", "Tablette", "Chargeur", "Montre connectée"),
        "home": ("Lampe", "Coussin", "Cafetière", "Poêle", "Plaid"),
        "beauty": ("Crème hydratante", "Parfum", "Shampooing", "Rouge à lèvres"),
        "sports": ("Tapis de yoga", "Raquette", "Ballon", "Gourde", "Vélo d'appartement"),
        "toys": ("Puzzle", "Peluche", "Jeu de société", "Circuit de voitures"),
        "grocery": ("Café moulu", "Thé vert", "Chocolat noir", "Huile d'olive"),
        "garden": ("Sécateur", "Tuyau d'arrosage", "Jardinière", "Barbecue"),
    },
    "de": {
        "clothing": ("T-Shirt", "Pullover", "Jeans", "Jacke", "Kleid", "Hemd"),
        "shoes": ("Sneaker", "Stiefeletten", "Sandalen", "Laufschuhe"),
        "books": ("Roman", "Kochbuch", "Comic", "Reiseführer"),
        "electronics": ("Kopfhörer", "Lautsprecher", "Tablet", "Ladegerät", "Smartwatch"),
        "home": ("Lampe", "Kissen", "Kaffeemaschine", "Pfanne", "Decke"),
        "beauty": ("Feuchtigkeitscreme", "Parfüm", "Shampoo", "Lippenstift"),
        "sports": ("Yogamatte", "Schläger", "Ball", "Trinkflasche", "Heimtrainer"),
        "toys": ("Puzzle", "Plüschtier", "Brettspiel", "Autorennbahn"),
        "grocery": ("Gemahlener Kaffee", "Grüner Tee", "Zartbitterschokolade", "Olivenöl"),
        "garden": ("Gartenschere", "Gartenschlauch", "Pflanzkasten", "Grill"),
    },
    "en": {
        "clothing": ("T-shirt", "Jumper", "Jeans", "Jacket", "Dress", "Shirt"),
        "shoes": ("Trainers", "Ankle boots", "Sandals", "Running shoes"),
        "books": ("Novel", "Cookbook", "Comic book", "Travel guide"),
        "electronics": ("Headphones", "Speaker", "Tablet", "Charger", "Smartwatch"),
        "home": ("Lamp", "Cushion", "Coffee maker", "Frying pan", "Throw"),
        "beauty": ("Moisturiser", "Perfume", "Shampoo", "Lipstick"),
        "sports": ("Yoga mat", "Racket", "Ball", "Water bottle", "Exercise bike"),
        "toys": ("Puzzle", "Soft toy", "Board game", "Race track"),
        "grocery": ("Ground coffee", "Green tea", "Dark chocolate", "Olive oil"),
        "garden": ("Pruning shears", "Garden hose", "Planter", "Barbecue"),
    },
}
"""Product nouns by language and category."""

MODEL_NAMES: Final = (
    "Alto", "Nova", "Lumen", "Terra", "Aria", "Orbit", "Sola", "Vega", "Nord", "Riva",
    "Mira", "Zephyr", "Atlas", "Luna", "Onda", "Pixel", "Cobalt", "Ember", "Flint", "Iris",
)  # fmt: skip
"""Made-up model names appended to product nouns."""

COMMENTS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    # language -> mood -> sentences; "{product}" is a product category word.
    "fr": {
        "promoter": (
            "Très satisfait, livraison rapide.",
            "Excellent service, je recommande.",
            "Produit conforme et vendeur très aimable.",
            "Toujours un plaisir de commander chez vous.",
        ),
        "passive": (
            "Correct, sans plus.",
            "Livraison un peu longue mais produit correct.",
            "Bon rapport qualité-prix.",
        ),
        "detractor": (
            "Très déçu, le produit est arrivé abîmé.",
            "Service client injoignable.",
            "Commande incomplète et aucun suivi.",
            "Remboursement toujours pas reçu.",
        ),
        "complaint": (
            "Ma commande n'est jamais arrivée.",
            "Le colis était endommagé et il manque un article.",
            "J'ai été débité deux fois pour la même commande.",
            "Le retour a été refusé sans explication.",
            "Le produit ne correspond pas à la description.",
        ),
        "question": (
            "Pouvez-vous me dire quand ma commande sera expédiée ?",
            "Proposez-vous la livraison en point relais ?",
            "Comment modifier mon adresse de livraison ?",
        ),
    },
    "de": {
        "promoter": (
            "Sehr zufrieden, schnelle Lieferung.",
            "Hervorragender Service, gerne wieder.",
            "Ware wie beschrieben, sehr freundlich.",
        ),
        "passive": (
            "In Ordnung, nichts Besonderes.",
            "Lieferung etwas langsam, Ware gut.",
            "Gutes Preis-Leistungs-Verhältnis.",
        ),
        "detractor": (
            "Sehr enttäuscht, die Ware kam beschädigt an.",
            "Kundenservice nicht erreichbar.",
            "Bestellung unvollständig, keine Rückmeldung.",
        ),
        "complaint": (
            "Meine Bestellung ist nie angekommen.",
            "Das Paket war beschädigt und ein Artikel fehlt.",
            "Mir wurde die Bestellung doppelt berechnet.",
            "Die Rücksendung wurde ohne Begründung abgelehnt.",
        ),
        "question": (
            "Wann wird meine Bestellung versendet?",
            "Liefern Sie auch an Packstationen?",
            "Wie kann ich meine Lieferadresse ändern?",
        ),
    },
    "en": {
        "promoter": (
            "Very happy, quick delivery.",
            "Excellent service, would recommend.",
            "Exactly as described and friendly staff.",
        ),
        "passive": (
            "Fine, nothing special.",
            "Delivery was a bit slow but the product is fine.",
            "Good value for money.",
        ),
        "detractor": (
            "Very disappointed, the item arrived damaged.",
            "Customer service never answered.",
            "Order incomplete and no follow-up.",
        ),
        "complaint": (
            "My order never arrived.",
            "The parcel was damaged and an item is missing.",
            "I was charged twice for the same order.",
            "My return was refused without explanation.",
            "The product does not match the description.",
        ),
        "question": (
            "When will my order be shipped?",
            "Do you deliver to pick-up points?",
            "How do I change my delivery address?",
        ),
    },
}
"""Feedback comments by language and mood."""

CONTACT_SENTENCES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    # Sentences that put the writer's own email or phone in a comment.
    "fr": {
        "email": ("Merci de me répondre à {value}.", "Mon adresse : {value}"),
        "phone": ("Rappelez-moi au {value} svp.", "Vous pouvez me joindre au {value}."),
        "name": ("Cordialement, {value}", "Signé : {value}"),
        "iban": ("Remboursez-moi sur mon IBAN {value} svp.", "Mon RIB : {value}"),
        "card": ("J'ai payé avec la carte {value}.", "Carte débitée : {value}"),
        "nir": ("Mon numéro de sécurité sociale : {value}", "Pour la mutuelle : {value}"),
    },
    "de": {
        "email": ("Bitte antworten Sie an {value}.", "Meine E-Mail: {value}"),
        "phone": ("Bitte rufen Sie mich unter {value} zurück.", "Erreichbar unter {value}."),
        "name": ("Mit freundlichen Grüßen, {value}", "Gruß, {value}"),
        "iban": ("Bitte erstatten Sie auf {value}.", "Meine IBAN: {value}"),
        "card": ("Bezahlt mit der Karte {value}.", "Belastete Karte: {value}"),
    },
    "en": {
        "email": ("Please reply to {value}.", "My email is {value}"),
        "phone": ("Please call me back on {value}.", "You can reach me on {value}."),
        "name": ("Kind regards, {value}", "Thanks, {value}"),
        "iban": ("Please refund to my IBAN {value}.", "My IBAN is {value}"),
        "card": ("I paid with card {value}.", "Card charged: {value}"),
    },
}
"""Sentences that embed the writer's email, phone, name, IBAN, card or NIR in a comment."""
