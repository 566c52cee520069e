#!/usr/bin/env python3
"""Generate the demo warehouse's data files (the CSVs next to this script).

Deterministic: a fixed seed and only the standard library, so running it again gives the same
files byte for byte. The CSVs are committed and are what `aisle demo` loads (they are embedded in
the binary); run this only to change the demo, then commit the regenerated files with it.

    python3 assets/demo/generate.py

See README.md in this directory for every file's columns.
"""

import csv
import json
import os
import random

SEED = 20261126
HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(SEED)


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])


# --------------------------------------------------------------------------------------------
# GS1
# --------------------------------------------------------------------------------------------


def gs1_check_digit(data):
    """Check digit for the digits `data` (everything but the check digit), GS1 mod 10."""
    total = 0
    for i, ch in enumerate(reversed(data)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def with_check(data):
    return data + gs1_check_digit(data)


# --------------------------------------------------------------------------------------------
# Warehouse and layout
# --------------------------------------------------------------------------------------------

WAREHOUSE = {
    "code": "DEMO",
    "name": "Demo DC Joliet",
    "time_zone": "America/Chicago",
    "cart_size": 8,
    "gs1_company_prefix": "0614141",
    # The ship-from on every carton label; its ZIP3 604 is the origin of the rate sheets' zone
    # chart (assets/rates/).
    "ship_from_address1": "1 Logistics Way",
    "ship_from_address2": None,
    "ship_from_city": "Joliet",
    "ship_from_state": "IL",
    "ship_from_zip": "60431",
    "ship_from_country": "US",
    "sscc_extension_digit": 0,
}
AISLES = [chr(ord("A") + i) for i in range(12)]  # A..L
AISLE_X0, AISLE_PITCH = 4.0, 3.0                 # aisle centre lines at x = 4, 7, 10, ... 37
FRONT_Y = 4.0                                    # front cross-aisle
BAY_PAIRS = 10                                   # bays 01..20: odd on the left, even on the right
BAY_PITCH = 1.3                                  # metres along the aisle per bay
FIRST_BAY_Y = FRONT_Y + 1.0
BACK_Y = FIRST_BAY_Y + BAY_PAIRS * BAY_PITCH + 1.0  # back cross-aisle
LEVELS = 4                                       # pickable levels 01 (floor) .. 04
POSITIONS = 2                                    # positions 1..2 on a level, left to right
RESERVE_LEVEL = 5                                # pallet level above each bay
DEPOT = (1.0, 1.0)


def aisle_x(aisle_index):
    return round(AISLE_X0 + AISLE_PITCH * aisle_index, 2)


def bay_y(bay):
    pair = (bay + 1) // 2  # bays 1 and 2 face each other across the aisle
    return round(FIRST_BAY_Y + (pair - 1) * BAY_PITCH + BAY_PITCH / 2, 2)


def build_locations():
    """Bins and reserve in a serpentine walk: aisle A front to back, B back to front, ..."""
    rows = []  # code, kind, aisle, bay, level, x, y, pick_sequence
    seq = 0
    for ai, aisle in enumerate(AISLES):
        pairs = list(range(1, BAY_PAIRS + 1))
        if ai % 2 == 1:
            pairs.reverse()
        for pair in pairs:
            for bay in (2 * pair - 1, 2 * pair):
                for level in range(1, LEVELS + 1):
                    for pos in range(1, POSITIONS + 1):
                        seq += 10
                        rows.append((f"{aisle}-{bay:02d}-{level:02d}-{pos}", "bin", aisle, bay,
                                     level, aisle_x(ai), bay_y(bay), seq))
            for bay in (2 * pair - 1, 2 * pair):
                seq += 10
                rows.append((f"R-{aisle}-{bay:02d}", "reserve", aisle, bay, RESERVE_LEVEL,
                             aisle_x(ai), bay_y(bay), seq))
    for i in range(1, 7):
        rows.append((f"PACK-{i:02d}", "pack_station", None, None, None,
                     round(8.0 + 4.0 * (i - 1), 2), 1.0, None))
    for i in range(1, 3):
        rows.append((f"DOCK-{i}", "dock", None, None, None, round(34.0 + 4.0 * (i - 1), 2), 0.0,
                     None))
    for i in range(1, 11):
        rows.append((f"CART-{i:02d}", "cart", None, None, None, None, None, None))
    # A tote carries one order until it is packed: enough for every open demo order at once.
    for i in range(1, 401):
        rows.append((f"TOTE-{i:04d}", "tote", None, None, None, None, None, None))
    return rows


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------

COLOURS = [("BLK", "Black"), ("WHT", "White"), ("NAV", "Navy"), ("GRY", "Heather Grey"),
           ("RED", "Red"), ("GRN", "Forest Green"), ("BLU", "Royal Blue"), ("SND", "Sand"),
           ("BUR", "Burgundy"), ("CHR", "Charcoal"), ("OLV", "Olive"), ("PNK", "Pink"),
           ("TEA", "Teal"), ("MUS", "Mustard")]
APPAREL = [("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL")]
SML = [("S", "S"), ("M", "M"), ("L", "L")]
ONE = [(None, None)]

# code, name, variant kind ('colour', 'flavour' list or None), sizes, grams, (l, w, h) mm,
# lot-controlled, case-pack candidates
FLAVOURS = {
    "VIT": [("ORG", "Orange"), ("BER", "Mixed Berry"), ("LEM", "Lemon"), ("CHY", "Cherry")],
    "PRB": [("CHO", "Chocolate"), ("PNB", "Peanut Butter"), ("CKD", "Cookie Dough"),
            ("BER", "Berry"), ("SCR", "Salted Caramel"), ("VAN", "Vanilla")],
    "COF": [("LGT", "Light Roast"), ("MED", "Medium Roast"), ("DRK", "Dark Roast"),
            ("ESP", "Espresso Roast"), ("DEC", "Decaf"), ("COL", "Colombia"),
            ("ETH", "Ethiopia"), ("SUM", "Sumatra")],
    "TEA": [("EGR", "Earl Grey"), ("GRN", "Sencha Green"), ("CHA", "Masala Chai"),
            ("MNT", "Peppermint"), ("CHM", "Chamomile"), ("BRK", "English Breakfast")],
    "SNS": [("S30", "SPF 30"), ("S50", "SPF 50"), ("KID", "Kids SPF 50")],
    "HSN": [("UNS", "Unscented"), ("ALO", "Aloe"), ("LAV", "Lavender"), ("CIT", "Citrus")],
    "DOG": [("CHK", "Chicken"), ("BEF", "Beef"), ("SAL", "Salmon"), ("PNB", "Peanut Butter")],
    "SOP": [("OAT", "Oatmeal"), ("LAV", "Lavender"), ("CHR", "Charcoal"), ("EUC", "Eucalyptus"),
            ("GOA", "Goat Milk"), ("CIT", "Citrus")],
    "LIP": [("MNT", "Mint"), ("VAN", "Vanilla"), ("HON", "Honey"), ("CHY", "Cherry")],
    "ELC": [("ORG", "Orange"), ("LEM", "Lemon Lime"), ("BER", "Mixed Berry"),
            ("WTM", "Watermelon"), ("PNC", "Fruit Punch")],
    "GRA": [("HON", "Honey Almond"), ("CHO", "Dark Chocolate"), ("BER", "Berry"),
            ("CIN", "Cinnamon")],
    "TRL": [("CLS", "Classic"), ("TRP", "Tropical"), ("CHO", "Chocolate"), ("SPC", "Spicy")],
    "CAN": [("LAV", "Lavender"), ("CED", "Cedarwood"), ("VAN", "Vanilla"), ("SEA", "Sea Salt"),
            ("CIT", "Citrus"), ("FIG", "Fig"), ("PIN", "Pine"), ("AMB", "Amber")],
}

FAMILIES = [
    # apparel
    ("TEE100", "Classic Crew Tee", "colour", APPAREL, 180, (300, 250, 20), False, [12, 24]),
    ("TEE200", "V-Neck Tee", "colour", APPAREL, 170, (300, 250, 20), False, [12, 24]),
    ("TEE300", "Long Sleeve Tee", "colour", APPAREL, 230, (300, 250, 25), False, [12]),
    ("HOD100", "Pullover Hoodie", "colour", APPAREL, 620, (350, 300, 60), False, [6]),
    ("HOD200", "Zip Hoodie", "colour", APPAREL, 680, (350, 300, 60), False, [6]),
    ("SWT100", "Crewneck Sweatshirt", "colour", APPAREL, 540, (350, 300, 50), False, [6]),
    ("JGR100", "Jogger Pants", "colour", APPAREL, 450, (350, 280, 40), False, [6, 12]),
    ("SHT100", "Running Shorts", "colour", APPAREL, 150, (280, 220, 20), False, [12]),
    ("SCK100", "Crew Socks 3-Pack", "colour", SML, 140, (220, 110, 30), False, [12, 24]),
    ("CAP100", "Baseball Cap", "colour", ONE, 110, (270, 190, 120), False, [12]),
    ("BNE100", "Knit Beanie", "colour", ONE, 90, (230, 200, 30), False, [12, 24]),
    ("GLV100", "Touchscreen Gloves", "colour", SML, 80, (250, 120, 20), False, [12]),
    ("JKT100", "Packable Rain Jacket", "colour", APPAREL, 380, (300, 250, 60), False, [6]),
    # home and kitchen
    ("MUG100", "Ceramic Mug", "colour", [("11OZ", "11 oz"), ("15OZ", "15 oz")], 340,
     (120, 90, 100), False, [6, 12]),
    ("TMB100", "Insulated Tumbler", "colour", [("20OZ", "20 oz"), ("30OZ", "30 oz"),
                                               ("40OZ", "40 oz")], 390, (100, 100, 220), False,
     [6, 12]),
    ("BTL100", "Steel Water Bottle", "colour", [("500ML", "500 ml"), ("750ML", "750 ml"),
                                                ("1L", "1 L")], 320, (80, 80, 260), False,
     [6, 12]),
    ("PLT100", "Stoneware Plate", "colour", [("8IN", "8 in"), ("10IN", "10 in")], 520,
     (270, 270, 25), False, [6]),
    ("BWL100", "Stoneware Bowl", "colour", [("16OZ", "16 oz"), ("24OZ", "24 oz")], 410,
     (160, 160, 70), False, [6]),
    ("TWL100", "Cotton Towel", "colour", [("HND", "Hand"), ("BTH", "Bath"), ("SHT", "Sheet")],
     420, (350, 250, 60), False, [6]),
    ("PIL100", "Throw Pillow Cover", "colour", [("16IN", "16 in"), ("18IN", "18 in"),
                                               ("20IN", "20 in")], 160, (300, 250, 15), False,
     [12]),
    ("BLK100", "Fleece Throw Blanket", "colour", [("5060", "50x60 in"), ("6080", "60x80 in")],
     900, (400, 300, 90), False, [6]),
    ("CAN100", "Soy Candle", "CAN", [("8OZ", "8 oz"), ("12OZ", "12 oz")], 420, (90, 90, 110),
     False, [6, 12]),
    ("CUT100", "Bamboo Cutting Board", None, SML, 800, (380, 280, 20), False, [6]),
    ("SPT100", "Silicone Spatula", "colour", ONE, 90, (300, 60, 25), False, [12, 24]),
    ("LNC100", "Bento Lunch Box", "colour", ONE, 450, (200, 140, 90), False, [6]),
    # bags and accessories
    ("TOT100", "Canvas Tote Bag", "colour", ONE, 260, (400, 350, 20), False, [12]),
    ("BPK100", "Day Backpack", "colour", [("20L", "20 L"), ("28L", "28 L")], 720,
     (450, 300, 120), False, []),
    ("WAL100", "Leather Wallet", "colour", ONE, 110, (120, 100, 25), False, [12]),
    ("PHC100", "Phone Case", "colour", [("P13", "Phone 13"), ("P14", "Phone 14"),
                                        ("P15", "Phone 15"), ("P16", "Phone 16")], 45,
     (170, 90, 20), False, [24]),
    ("CBL100", "USB-C Cable", "colour", [("1M", "1 m"), ("2M", "2 m"), ("3M", "3 m")], 60,
     (150, 100, 25), False, [24]),
    ("CHG100", "USB-C Wall Charger", "colour", [("20W", "20 W"), ("30W", "30 W"),
                                               ("65W", "65 W")], 110, (90, 60, 40), False,
     [12, 24]),
    ("EBD100", "Wireless Earbuds", "colour", ONE, 120, (110, 90, 50), False, [12]),
    ("UMB100", "Compact Umbrella", "colour", ONE, 330, (300, 70, 70), False, [12]),
    ("SUN100", "Polarized Sunglasses", "colour", ONE, 70, (170, 70, 50), False, [12]),
    ("YGM100", "Yoga Mat", "colour", [("4MM", "4 mm"), ("6MM", "6 mm")], 1100,
     (620, 150, 150), False, []),
    ("RBD100", "Resistance Band", "colour", [("LT", "Light"), ("MD", "Medium"), ("HV", "Heavy"),
                                             ("XH", "Extra Heavy")], 150, (200, 150, 40), False,
     [12, 24]),
    ("DBL100", "Hex Dumbbell", None, [("05LB", "5 lb"), ("10LB", "10 lb"), ("15LB", "15 lb"),
                                      ("20LB", "20 lb"), ("25LB", "25 lb")], 2300,
     (250, 110, 110), False, []),
    ("NTB100", "Dotted Notebook", "colour", [("A5", "A5"), ("A4", "A4")], 300, (210, 150, 15),
     False, [12, 24]),
    ("PEN100", "Gel Pen 12-Pack", "colour", ONE, 130, (160, 90, 15), False, [24]),
    ("STK100", "Sticky Notes 6-Pack", "colour", ONE, 210, (80, 80, 60), False, [24]),
    # consumables: lot-controlled, with expiry
    ("VIT100", "Vitamin C Gummies", "VIT", [("60", "60 ct"), ("120", "120 ct"),
                                            ("180", "180 ct")], 210,
     (70, 70, 120), True, [12, 24]),
    ("PRB100", "Protein Bar", "PRB", [("12PK", "12-Pack"), ("24PK", "24-Pack")], 720,
     (200, 130, 60), True, [6]),
    ("COF100", "Whole Bean Coffee", "COF", [("12OZ", "12 oz"), ("2LB", "2 lb")], 360,
     (180, 110, 70), True, [6]),
    ("TEA100", "Loose Leaf Tea", "TEA", [("3OZ", "3 oz"), ("8OZ", "8 oz")], 120,
     (120, 80, 80), True, [12]),
    ("SNS100", "Sunscreen Lotion", "SNS", [("3OZ", "3 oz"), ("8OZ", "8 oz")], 140,
     (160, 60, 40), True, [12, 24]),
    ("HSN100", "Hand Sanitizer", "HSN", [("2OZ", "2 oz"), ("8OZ", "8 oz"), ("16OZ", "16 oz")],
     90, (60, 40, 150), True, [24]),
    ("DOG100", "Dog Treats", "DOG", [("6OZ", "6 oz"), ("16OZ", "16 oz"), ("32OZ", "32 oz")],
     250, (220, 150, 50), True, [12]),
    ("SOP100", "Bar Soap", "SOP", ONE, 120, (90, 60, 30), True, [24]),
    ("LIP100", "Lip Balm 3-Pack", "LIP", ONE, 30, (100, 60, 15), True, [24]),
    ("ELC100", "Electrolyte Drink Mix", "ELC", [("10CT", "10 ct"), ("30CT", "30 ct")], 90,
     (150, 90, 60), True, [12]),
    ("GRA100", "Granola", "GRA", [("12OZ", "12 oz"), ("24OZ", "24 oz")], 340, (200, 130, 60),
     True, [12]),
    ("TRL100", "Trail Mix", "TRL", [("8OZ", "8 oz"), ("16OZ", "16 oz")], 230, (180, 120, 50),
     True, [12]),
]

TARGET_PLAIN = 1080
TARGET_LOT = 120


def build_skus():
    plain, lots = [], []
    for code, name, variant, sizes, grams, dims, lot, packs in FAMILIES:
        variants = COLOURS if variant == "colour" else (FLAVOURS[variant] if variant else [(None, None)])
        for si, (scode, sname) in enumerate(sizes):
            for vcode, vname in variants:
                parts = [code] + [p for p in (vcode, scode) if p]
                sku = "-".join(parts)
                label = ", ".join([name] + [p for p in (vname, sname) if p])
                factor = 1.0 + 0.18 * si
                entry = {
                    "code": sku,
                    "name": label,
                    "family": code,
                    "unit_weight_g": max(1, round(grams * factor * rng.uniform(0.95, 1.05))),
                    "length_mm": round(dims[0] * (1.0 + 0.06 * si)),
                    "width_mm": round(dims[1] * (1.0 + 0.04 * si)),
                    "height_mm": round(dims[2] * (1.0 + 0.10 * si)),
                    "lot_controlled": lot,
                    "packs": packs,
                }
                (lots if lot else plain).append(entry)
    plain = sorted(rng.sample(plain, min(TARGET_PLAIN, len(plain))), key=lambda s: s["code"])
    lots = sorted(rng.sample(lots, min(TARGET_LOT, len(lots))), key=lambda s: s["code"])
    skus = sorted(plain + lots, key=lambda s: s["code"])
    # ~15% with a case pack (partners order in cases), only where the family ships in cases.
    candidates = [s for s in skus if s["packs"]]
    for s in skus:
        s["case_pack"] = 1
    for s in rng.sample(candidates, round(len(skus) * 0.15)):
        s["case_pack"] = rng.choice(s["packs"])
    return skus


UPC_PREFIXES = ["614141", "812345", "850012", "074312"]        # 6-digit UPC company prefixes
EAN_PREFIXES = ["4006381", "5012345", "8712345", "7612345", "3012345"]  # 7-digit GS1 prefixes
GTIN8_PREFIXES = ["9638", "4719", "2012"]


class GtinMaker:
    def __init__(self):
        self.seen = set()
        self.next_ref = {}

    def _unique(self, printed):
        gtin = printed.zfill(14)
        assert gtin not in self.seen, gtin
        self.seen.add(gtin)
        return gtin

    def _ref(self, prefix, width):
        n = self.next_ref.get(prefix, rng.randrange(100, 900))
        self.next_ref[prefix] = n + rng.randrange(1, 7)
        assert n < 10 ** width
        return f"{n:0{width}d}"

    def unit(self, family_prefix_choice):
        kind = family_prefix_choice
        if kind == "upc_a":
            prefix = rng.choice(UPC_PREFIXES)
            printed = with_check(prefix + self._ref(prefix, 11 - len(prefix)))
        elif kind == "ean13":
            prefix = rng.choice(EAN_PREFIXES)
            printed = with_check(prefix + self._ref(prefix, 12 - len(prefix)))
        else:
            prefix = rng.choice(GTIN8_PREFIXES)
            printed = with_check(prefix + self._ref(prefix, 7 - len(prefix)))
        return printed, self._unique(printed)

    def case(self, unit_gtin14, indicator):
        printed = with_check(str(indicator) + unit_gtin14[1:13])
        return printed, self._unique(printed)


def build_barcodes(skus):
    maker = GtinMaker()
    rows = []  # gtin, sku_code, symbology, units
    for s in skus:
        r = rng.random()
        kind = "upc_a" if r < 0.60 else ("ean13" if r < 0.96 else "gtin8")
        printed, gtin = maker.unit(kind)
        s["unit_barcode"] = printed
        rows.append((gtin, s["code"], kind, 1))
        if rng.random() < 0.02:  # repackaged: a second unit barcode still on some shelves
            _, alt = maker.unit("ean13")
            rows.append((alt, s["code"], "ean13", 1))
        if s["case_pack"] > 1:
            _, case = maker.case(gtin, rng.choice([1, 1, 2, 3]))
            rows.append((case, s["code"], "gtin14", s["case_pack"]))
    return rows


# --------------------------------------------------------------------------------------------
# Stock
# --------------------------------------------------------------------------------------------

LOT_LETTERS = "ABCDEFGHJK"


def build_stock(skus, locations):
    bins = [l[0] for l in locations if l[1] == "bin"]
    reserve = [l[0] for l in locations if l[1] == "reserve"]
    rng.shuffle(bins)
    rng.shuffle(reserve)
    bins_iter = iter(bins)
    reserve_iter = iter(reserve)
    rows = []  # location_code, sku_code, lot, expiry_days, on_hand
    lot_seq = [1000]

    def new_lot(s):
        lot_seq[0] += rng.randrange(1, 40)
        return f"{s['family'][:3]}{lot_seq[0]}{rng.choice(LOT_LETTERS)}"

    def add(loc, s, qty, lots=1):
        if not s["lot_controlled"]:
            rows.append((loc, s["code"], "", None, qty))
            s["stock"] += qty
            return
        lots = max(1, min(lots, qty))
        cuts = sorted(rng.sample(range(1, qty), lots - 1)) if lots > 1 else []
        bounds = [0] + cuts + [qty]
        for i in range(lots):
            part = bounds[i + 1] - bounds[i]
            expiry = rng.randrange(45, 200) + 120 * i  # later lots expire later
            rows.append((loc, s["code"], new_lot(s), expiry, part))
            s["stock"] += part

    order = list(skus)
    rng.shuffle(order)
    n = len(order)
    zero = order[: round(n * 0.02)]
    low = order[round(n * 0.02): round(n * 0.05)]
    two_bins = order[round(n * 0.05): round(n * 0.22)]
    for s in skus:
        s["stock"] = 0
        s["profile"] = "normal"
    for s in zero:
        s["profile"] = "zero"
    for s in low:
        s["profile"] = "low"
    for s in two_bins:
        s["profile"] = "two_bins"

    for s in skus:
        big = s["unit_weight_g"] > 900 or s["length_mm"] > 400
        lo, hi = (4, 16) if big else (10, 48)
        lots = 1
        if s["lot_controlled"]:
            lots = rng.choice([1, 1, 1, 2, 2, 3])
        if s["profile"] == "zero":
            continue
        if s["profile"] == "low":
            add(next(bins_iter), s, rng.randrange(1, 4), 1)
            continue
        add(next(bins_iter), s, rng.randrange(lo, hi + 1), lots)
        if s["profile"] == "two_bins":
            add(next(bins_iter), s, rng.randrange(lo, hi + 1), 1)

    # Bulk in reserve for a subset (mostly case-packed SKUs), in whole cases where there is one.
    stocked = [s for s in skus if s["profile"] in ("normal", "two_bins")]
    case_packed = [s for s in stocked if s["case_pack"] > 1]
    others = [s for s in stocked if s["case_pack"] == 1]
    bulk = rng.sample(case_packed, min(len(case_packed), 120)) + rng.sample(others, 80)
    bulk.sort(key=lambda s: s["code"])
    heavy = set(id(s) for s in rng.sample(bulk, 12))  # deep bulk: the EDI cap of 500 binds
    for s in bulk:
        pack = s["case_pack"] if s["case_pack"] > 1 else 12
        if id(s) in heavy:
            cases = -(-rng.randrange(540, 1000) // pack)  # whole cases, 540 units or more
        else:
            cases = rng.randrange(4, 16)
        add(next(reserve_iter), s, pack * cases, 1)
        s["reserve"] = True
    return rows


# --------------------------------------------------------------------------------------------
# Carriers, channels, listings
# --------------------------------------------------------------------------------------------

CARRIERS = [("UPS", "United Parcel Service", "UPSN"), ("USPS", "United States Postal Service",
                                                       "USPS"), ("FEDEX", "FedEx", "FDEG")]
SERVICES = [
    ("UPS", "GND", "UPS Ground", "17:00", 3),
    ("UPS", "3DS", "UPS 3 Day Select", "16:30", 3),
    ("UPS", "2DA", "UPS 2nd Day Air", "16:30", 2),
    ("UPS", "1DA", "UPS Next Day Air", "16:00", 1),
    ("USPS", "GA", "USPS Ground Advantage", "15:30", 4),
    ("USPS", "PM", "USPS Priority Mail", "15:30", 2),
    ("USPS", "PME", "USPS Priority Mail Express", "15:00", 1),
    ("FEDEX", "GROUND", "FedEx Ground", "17:00", 3),
    ("FEDEX", "2DAY", "FedEx 2Day", "16:30", 2),
    ("FEDEX", "PO", "FedEx Priority Overnight", "16:00", 1),
]
CHANNELS = [
    ("shopify-main", "shopify", "false", "true",
     {"shop_domain": "aisle-demo.myshopify.com", "api_version": "2026-01",
      "location_id": "gid://shopify/Location/71234500001", "currency": "USD"}),
    ("amazon-us", "amazon", "true", "true",
     {"marketplace_id": "ATVPDKIKX0DER", "seller_id": "A2DEMOSELLER01", "region": "na",
      "fulfillment_channel": "MFN"}),
    ("edi-bigbox", "edi", "true", "true",
     {"partner_name": "BigBox Retail", "isa_qualifier": "ZZ", "partner_isa_id": "BIGBOXRETAIL",
      "our_isa_id": "AISLEDEMO", "partner_gs_id": "BIGBOX", "our_gs_id": "AISLEDEMO",
      "x12_version": "004010", "inbound_dir": "edi/bigbox/in", "outbound_dir": "edi/bigbox/out",
      "send_846": True}),
    ("manual", "manual", "false", "true",
     {"description": "orders keyed in by customer service or imported from CSV"}),
]
SHIPPING_RULES = [
    ("shopify-main", "Standard", "USPS", "GA"),
    ("shopify-main", "Express", "UPS", "2DA"),
    ("shopify-main", "Overnight", "UPS", "1DA"),
    ("amazon-us", "Standard", "UPS", "GND"),
    ("amazon-us", "Expedited", "FEDEX", "2DAY"),
    ("amazon-us", "SecondDay", "UPS", "2DA"),
    ("amazon-us", "NextDay", "UPS", "1DA"),
    ("edi-bigbox", "UPSN-GROUND", "UPS", "GND"),
    ("edi-bigbox", "FDEG-GROUND", "FEDEX", "GROUND"),
    ("edi-bigbox", "UPSN-3DAY", "UPS", "3DS"),
    ("manual", "standard", "UPS", "GND"),
    ("manual", "express", "FEDEX", "2DAY"),
    ("manual", "overnight", "FEDEX", "PO"),
]


def asin():
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "B0" + "".join(rng.choice(alphabet) for _ in range(8))


def build_listings(skus):
    rows = []  # channel, channel_sku, sku_code, share_pct, cap, buffer, external_id
    must = [s for s in skus if s["profile"] in ("zero", "low")]
    for s in skus:
        s["listed"] = {}
    shopify = set(id(s) for s in rng.sample(skus, round(len(skus) * 0.90)) + must)
    amazon = set(id(s) for s in rng.sample(skus, round(len(skus) * 0.70)) + must)
    edi = set(id(s) for s in rng.sample(skus, round(len(skus) * 0.40)) + must[:10])
    item_id = 43810000000
    bigbox_item = 200000
    for s in skus:
        if id(s) in shopify:
            item_id += rng.randrange(1, 500)
            rows.append(("shopify-main", s["code"], s["code"], 100, None, 0,
                         f"gid://shopify/InventoryItem/{item_id}"))
            s["listed"]["shopify-main"] = s["code"]
    for s in skus:
        if id(s) in amazon:
            buffer = 5 if rng.random() < 0.1 else 2
            rows.append(("amazon-us", f"AMZ-{s['code']}", s["code"], 80, None, buffer, asin()))
            s["listed"]["amazon-us"] = f"AMZ-{s['code']}"
    for s in skus:
        if id(s) in edi:
            bigbox_item += rng.randrange(1, 90)
            r = rng.random()
            if r < 0.75:
                share, cap, buffer = 100, 500, 0
            elif r < 0.90:
                share, cap, buffer = 50, 500, 0
            else:
                share, cap, buffer = 100, 48, 6
            rows.append(("edi-bigbox", s["unit_barcode"], s["code"], share, cap, buffer,
                         f"BB{bigbox_item:07d}"))
            s["listed"]["edi-bigbox"] = s["unit_barcode"]
    for s in skus:
        rows.append(("manual", s["code"], s["code"], 100, None, 0, None))
        s["listed"]["manual"] = s["code"]
    return rows


OPERATORS = [
    ("P1001", "Maria Lopez", "picker", "1234"),
    ("P1002", "Dev Patel", "picker", "2468"),
    ("P1003", "Sam Okafor", "picker", "1357"),
    ("K2001", "Jin Park", "packer", "4321"),
    ("K2002", "Alex Romero", "packer", "8642"),
    ("S3001", "Pat Morgan", "supervisor", "55501"),
    ("A9001", "Chris Admin", "admin", "900900"),
]

# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella",
         "Lucas", "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Aiden", "Evelyn", "Jackson",
         "Priya", "Wei", "Fatima", "Diego", "Keisha", "Tomasz", "Yuki", "Omar", "Grace", "Ravi"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Nguyen", "Kim", "Patel", "Chen",
        "Anderson", "Thomas", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Young"]
STREETS = ["Maple Ave", "Oak St", "Pine St", "Cedar Ln", "Elm St", "Washington Blvd",
           "Lakeview Dr", "Main St", "Park Ave", "Sunset Blvd", "Highland Ave", "River Rd",
           "Hillcrest Dr", "Broadway", "Jefferson St", "Lincoln Way", "Willow Ct", "2nd St"]
CITIES = [("Chicago", "IL", "60614"), ("Naperville", "IL", "60540"), ("Milwaukee", "WI", "53202"),
          ("Madison", "WI", "53703"), ("Indianapolis", "IN", "46204"), ("Detroit", "MI", "48226"),
          ("Columbus", "OH", "43215"), ("Minneapolis", "MN", "55401"), ("St. Louis", "MO", "63101"),
          ("Kansas City", "MO", "64105"), ("Omaha", "NE", "68102"), ("Des Moines", "IA", "50309"),
          ("Nashville", "TN", "37203"), ("Atlanta", "GA", "30303"), ("Dallas", "TX", "75201"),
          ("Austin", "TX", "78701"), ("Houston", "TX", "77002"), ("Denver", "CO", "80202"),
          ("Phoenix", "AZ", "85004"), ("Seattle", "WA", "98101"), ("Portland", "OR", "97204"),
          ("San Diego", "CA", "92101"), ("Los Angeles", "CA", "90012"), ("Boston", "MA", "02108"),
          ("New York", "NY", "10001"), ("Brooklyn", "NY", "11201"), ("Philadelphia", "PA", "19103"),
          ("Pittsburgh", "PA", "15222"), ("Charlotte", "NC", "28202"), ("Miami", "FL", "33130"),
          ("Orlando", "FL", "32801"), ("Salt Lake City", "UT", "84101")]
BIGBOX_DCS = [("BigBox Retail DC 0457", "1200 Distribution Pkwy", "Joliet", "IL", "60436"),
              ("BigBox Retail DC 0312", "88 Logistics Dr", "Plainfield", "IN", "46168"),
              ("BigBox Retail DC 0620", "4500 Commerce Blvd", "Lancaster", "TX", "75134")]

N_ORDERS = 360
CHANNEL_MIX = [("shopify-main", 0.45), ("amazon-us", 0.33), ("edi-bigbox", 0.08),
               ("manual", 0.14)]
LEVELS_BY_CHANNEL = {
    "shopify-main": [("Standard", 0.75), ("Express", 0.18), ("Overnight", 0.07)],
    "amazon-us": [("Standard", 0.65), ("Expedited", 0.15), ("SecondDay", 0.12),
                  ("NextDay", 0.08)],
    "edi-bigbox": [("UPSN-GROUND", 0.6), ("FDEG-GROUND", 0.3), ("UPSN-3DAY", 0.1)],
    "manual": [("standard", 0.7), ("express", 0.2), ("overnight", 0.1)],
}
URGENT = {"Overnight", "NextDay", "overnight", "Express", "SecondDay", "express"}
HOLD_REASONS = ["unpaid", "fraud review", "pending payment"]


def weighted(choices):
    r = rng.random()
    acc = 0.0
    for value, weight in choices:
        acc += weight
        if r < acc:
            return value
    return choices[-1][0]


def person_ship_to():
    city, state, zip_code = rng.choice(CITIES)
    ship_to = {
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "address1": f"{rng.randrange(10, 9900)} {rng.choice(STREETS)}",
    }
    if rng.random() < 0.2:
        ship_to["address2"] = rng.choice(["Apt ", "Unit ", "Suite "]) + str(rng.randrange(1, 450))
    ship_to.update({"city": city, "province": state, "zip": zip_code, "country": "US"})
    return ship_to


def build_orders(skus):
    orders = []  # channel, external_id, status, hold_reason, ordered_at_h, ship_by_h,
    #              service_level, priority, ship_to
    lines = []   # channel, external_id, line_no, external_line_id, channel_sku, sku_code,
    #              quantity, requires_shipping
    remaining = {s["code"]: s["stock"] for s in skus}
    stocked = [s for s in skus if s["profile"] in ("normal", "two_bins")]
    short = [s for s in skus if s["profile"] in ("zero", "low")]
    # Popularity: a few SKUs sell much more than the rest.
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(stocked))]
    popular = list(stocked)
    rng.shuffle(popular)

    def pick_sku(channel, min_qty):
        for _ in range(200):
            s = rng.choices(popular, weights)[0]
            if channel in s["listed"] and remaining[s["code"]] >= min_qty * 2:
                return s
        return None

    counters = {"shopify-main": 1001, "manual": 1}
    shopify_line_id = 13580000000
    amazon_item_id = 40100000000000
    channels = [weighted(CHANNEL_MIX) for _ in range(N_ORDERS)]
    ordered_at = sorted((round(-rng.uniform(0.2, 48.0), 2) for _ in range(N_ORDERS)))
    backorder_slots = set(rng.sample(range(N_ORDERS), 26))
    held_slots = set(rng.sample([i for i in range(N_ORDERS) if channels[i] != "edi-bigbox"], 18))
    gift_slots = set(rng.sample([i for i in range(N_ORDERS) if channels[i] == "shopify-main"], 12))
    for i in range(N_ORDERS):
        channel = channels[i]
        if channel == "shopify-main":
            ext = f"#{counters[channel]}"
            counters[channel] += rng.choice([1, 1, 1, 2])
        elif channel == "amazon-us":
            ext = f"{rng.choice(['111', '112', '113', '114'])}-{rng.randrange(10**6, 10**7):07d}-{rng.randrange(10**6, 10**7):07d}"
        elif channel == "edi-bigbox":
            ext = f"{rng.randrange(40000000, 49999999)}"
        else:
            ext = f"M-{counters[channel]:04d}"
            counters[channel] += 1
        level = weighted(LEVELS_BY_CHANNEL[channel])
        if rng.random() < 0.03:
            ship_by = round(-rng.uniform(0.5, 3.0), 2)  # already late: the wallboard shows it
        elif level in URGENT:
            ship_by = round(rng.uniform(1.0, 9.0), 2)
        elif channel == "edi-bigbox":
            ship_by = round(rng.uniform(20.0, 44.0), 2)
        else:
            ship_by = round(rng.uniform(3.0, 30.0), 2)
        r = rng.random()
        priority = 0 if r < 0.92 else (rng.choice([1, 2, 3]) if r < 0.97 else rng.choice([5, 10]))
        if channel == "edi-bigbox":
            name, addr, city, state, zip_code = rng.choice(BIGBOX_DCS)
            ship_to = {"name": name, "address1": addr, "city": city, "province": state,
                       "zip": zip_code, "country": "US"}
        else:
            ship_to = person_ship_to()
        status, hold = "new", None
        if i in held_slots:
            status = "held"
            hold = rng.choice(HOLD_REASONS)
        orders.append((channel, ext, status, hold, ordered_at[i], ship_by, level, priority,
                       json.dumps(ship_to, separators=(",", ":"))))

        n_lines = weighted([(1, 0.45), (2, 0.25), (3, 0.15), (4, 0.10), (5, 0.05)])
        if channel == "edi-bigbox":
            n_lines = rng.randrange(2, 6)
        used = set()
        order_lines = []
        for _ in range(n_lines):
            if channel == "edi-bigbox":
                want = rng.choice([1, 2, 3])
                s = pick_sku(channel, 6)
                if s is None:
                    continue
                qty = s["case_pack"] * want if s["case_pack"] > 1 else rng.choice([4, 6, 8, 12])
                qty = min(qty, remaining[s["code"]] // 2)
            else:
                s = pick_sku(channel, 1)
                if s is None:
                    continue
                qty = weighted([(1, 0.75), (2, 0.18), (3, 0.05), (4, 0.02)])
            if s["code"] in used or qty <= 0:
                continue
            used.add(s["code"])
            remaining[s["code"]] -= qty
            order_lines.append((s, qty))
        if i in backorder_slots:
            candidates = [s for s in short if channel in s["listed"] and s["code"] not in used]
            s = rng.choice(candidates)
            order_lines.append((s, rng.randrange(2, 5)))
        if not order_lines:
            s = pick_sku(channel, 1)
            order_lines.append((s, 1))
        for n, (s, qty) in enumerate(order_lines, start=1):
            if channel == "shopify-main":
                shopify_line_id += rng.randrange(1, 9000)
                line_id = str(shopify_line_id)
            elif channel == "amazon-us":
                amazon_item_id += rng.randrange(1, 10**6)
                line_id = str(amazon_item_id)
            elif channel == "edi-bigbox":
                line_id = str(n)
            else:
                line_id = None
            lines.append((channel, ext, n, line_id, s["listed"][channel], s["code"], qty, "true"))
        if i in gift_slots:
            n = len(order_lines) + 1
            shopify_line_id += rng.randrange(1, 9000)
            if rng.random() < 0.5:
                lines.append((channel, ext, n, str(shopify_line_id), None, None, 1, "false"))
            else:
                lines.append((channel, ext, n, str(shopify_line_id), "GIFT-CARD-25", None, 1,
                              "false"))
    return orders, lines


def main():
    locations = build_locations()
    skus = build_skus()
    barcodes = build_barcodes(skus)
    stock = build_stock(skus, locations)
    listings = build_listings(skus)
    orders, lines = build_orders(skus)

    w = WAREHOUSE
    write("warehouse.csv",
          ["code", "name", "time_zone", "cart_size", "gs1_company_prefix", "ship_from_address1",
           "ship_from_address2", "ship_from_city", "ship_from_state", "ship_from_zip",
           "ship_from_country", "sscc_extension_digit", "front_cross_aisle_y",
           "back_cross_aisle_y", "depot_x", "depot_y"],
          [(w["code"], w["name"], w["time_zone"], w["cart_size"], w["gs1_company_prefix"],
            w["ship_from_address1"], w["ship_from_address2"], w["ship_from_city"],
            w["ship_from_state"], w["ship_from_zip"], w["ship_from_country"],
            w["sscc_extension_digit"], FRONT_Y, round(BACK_Y, 2), DEPOT[0], DEPOT[1])])
    write("aisles.csv", ["code", "x"], [(a, aisle_x(i)) for i, a in enumerate(AISLES)])
    write("locations.csv", ["code", "kind", "aisle", "bay", "level", "x", "y", "pick_sequence"],
          locations)
    write("skus.csv",
          ["code", "name", "unit_weight_g", "length_mm", "width_mm", "height_mm", "case_pack",
           "lot_controlled"],
          [(s["code"], s["name"], s["unit_weight_g"], s["length_mm"], s["width_mm"],
            s["height_mm"], s["case_pack"], "true" if s["lot_controlled"] else "false")
           for s in skus])
    write("barcodes.csv", ["gtin", "sku_code", "symbology", "units"], barcodes)
    write("stock.csv", ["location_code", "sku_code", "lot", "expiry_days", "on_hand"], stock)
    write("carriers.csv", ["code", "name", "scac"], CARRIERS)
    write("carrier_services.csv",
          ["carrier_code", "code", "name", "cutoff_local", "transit_days"], SERVICES)
    write("channels.csv",
          ["name", "kind", "allows_partial_shipment", "active", "settings"],
          [(n, k, p, a, json.dumps(s, separators=(",", ":"))) for n, k, p, a, s in CHANNELS])
    write("shipping_rules.csv", ["channel", "service_level", "carrier_code", "service_code"],
          SHIPPING_RULES)
    write("channel_listings.csv",
          ["channel", "channel_sku", "sku_code", "share_pct", "cap", "buffer", "external_id"],
          listings)
    write("operators.csv", ["badge", "name", "role", "pin"], OPERATORS)
    write("orders.csv",
          ["channel", "external_id", "status", "hold_reason", "ordered_at_offset_h",
           "ship_by_offset_h", "service_level", "priority", "ship_to"], orders)
    write("order_lines.csv",
          ["channel", "external_id", "line_no", "external_line_id", "channel_sku", "sku_code",
           "quantity", "requires_shipping"], lines)


if __name__ == "__main__":
    main()
