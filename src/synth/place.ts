import { type SyntheticOrgKind, syntheticOrgCode, syntheticPracticeCode } from "../core/org-codes.ts";
import type { Rng } from "../core/rng.ts";
import { careHomesPerPlace, type SynthConfig } from "./config.ts";

// The organisations and geography of the synthetic place (Thurrock by default). Everything here is invented
// and marked "(synthetic)"; codes come from the ranges real ODS codes never use (core/org-codes.ts).
//
// Postcodes: real Thurrock outward codes (RM15-RM20, SS17) with an inward code whose unit letters start with
// C, I, K, M, O or V. Royal Mail never uses those six letters in the last two characters of a postcode, so
// "RM17 6VA" looks local but can never be anyone's real address.

export interface Org {
  code: string;
  name: string;
  postcode: string;
}

export interface Locality extends Org {
  index: number;
  districts: readonly string[];
}

export interface Practice extends Org {
  index: number;
  localityIndex: number;
  /** Share of the registered population the practice's list holds. */
  listShare: number;
}

export interface Area {
  index: number;
  /** Relative share of its locality's people who live here. */
  weight: number;
  code: string;
  name: string;
  localityIndex: number;
  imdDecile: number;
  postcodes: readonly string[];
}

export interface CareHome extends Org {
  localityIndex: number;
  careType: "residential" | "nursing";
}

export interface Site {
  code: string;
  orgCode: string;
  name: string;
  postcode: string;
}

export interface Place {
  ccg: Org;
  council: Org;
  acute: Org;
  community: Org;
  mentalHealth: Org;
  ambulance: Org;
  localities: readonly Locality[];
  practices: readonly Practice[];
  areas: readonly Area[];
  /** Areas of each locality, by locality index. */
  areasByLocality: readonly (readonly Area[])[];
  careHomes: readonly CareHome[];
  sites: readonly Site[];
  acuteMainSite: Site;
  communitySiteByLocality: readonly Site[];
}

const UNIT_FIRST_LETTERS = "CIKMOV"; // never used in a real postcode's unit
const UNIT_SECOND_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";

interface LocalityTemplate {
  name: string;
  districts: readonly string[];
  /** Relative list sizes of its practices at Thurrock scale (2,000 to 15,000 people). */
  practiceSizes: readonly number[];
  /** Share of people living in areas of each IMD decile, 1 (most deprived) to 10. */
  decileShares: readonly number[];
}

// Deciles chosen so that about 12.4% of people live in deciles 1-2 (the 20% most deprived areas of England):
// Tilbury most deprived, then Purfleet/Aveley/South Ockendon, then Grays; Corringham the least.
const LOCALITIES: readonly LocalityTemplate[] = [
  {
    name: "Grays",
    districts: ["RM17", "RM16", "RM20"],
    practiceSizes: [14800, 10200, 8100, 6400, 5300, 4400, 3600, 3000, 2600, 2300, 2100, 2000],
    decileShares: [0.035, 0.06, 0.12, 0.15, 0.16, 0.15, 0.14, 0.1, 0.06, 0.025],
  },
  {
    name: "Tilbury & Chadwell",
    districts: ["RM18", "RM16"],
    practiceSizes: [8600, 6200, 4900, 3900, 3100, 2500, 2200, 2000],
    decileShares: [0.12, 0.15, 0.2, 0.18, 0.13, 0.1, 0.07, 0.05, 0, 0],
  },
  {
    name: "Purfleet, Aveley & South Ockendon",
    districts: ["RM15", "RM19"],
    practiceSizes: [9400, 6900, 5200, 4100, 3300, 2700, 2300, 2000],
    decileShares: [0.05, 0.1, 0.15, 0.18, 0.17, 0.14, 0.11, 0.1, 0, 0],
  },
  {
    name: "Corringham & Stanford-le-Hope",
    districts: ["SS17"],
    practiceSizes: [11200, 7300, 5100, 3700, 2600, 2000],
    decileShares: [0, 0, 0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05],
  },
];

const PRACTICE_WORDS =
  `Riverside Kingfisher Wharf-Lane Estuary Heron-Way Beacon-Hill Saltings Lighthouse Meadowbank
  Willow-Green Oakfield Millstream Harbour-View Chalkpit Bluebell Fenside Cedar-Grove Quayside Orchard Tideway Lantern
  Marsh-View Northgate Southfield Elm-Park Larkspur Foxglove Hollybush Greenhaven Ferryside Clayfield Ashcroft
  Brookside Pebble-Lane Thornbury Swan-Reach Cormorant Bargeman`
    .split(/\s+/)
    .filter((w) => w)
    .map((w) => w.replace(/-/g, " "));
const PRACTICE_KINDS = ["Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Family Practice"];
const CARE_HOME_WORDS =
  `Rosewood Briar Hawthorn Larchmere Sandpiper Oak-Tree Primrose Heathfield Lavender Brambles
  Cherry-Tree Kestrel Silverbirch Juniper Wisteria Magnolia Evergreen Hazelmere Bramblewood Woodlands Seaview Clover
  Honeysuckle Linden Maple Poplar Meadowsweet Sycamore Laurel Beechwood`
    .split(/\s+/)
    .filter((w) => w)
    .map((w) => w.replace(/-/g, " "));
const CARE_HOME_KINDS = ["House", "Lodge", "Court", "Manor", "Grange"];

/** Average people per synthetic small area (an LSOA holds about 1,600). */
const PEOPLE_PER_AREA = 1600;
/** Practices in each place (the practice codes of a region's later places follow on from the first's). */
const PRACTICES_PER_PLACE = LOCALITIES.reduce((n, t) => n + t.practiceSizes.length, 0);
const POSTCODES_PER_AREA = 24;

function postcode(district: string, sector: number, rng: Rng): string {
  return `${district} ${sector}${rng.pick([...UNIT_FIRST_LETTERS])}${rng.pick([...UNIT_SECOND_LETTERS])}`;
}

function org(code: string, name: string, pc: string): Org {
  return { code, name, postcode: pc };
}

/**
 * The place for a configuration: the same seed and size always give the same organisations and areas.
 * `placeIndex` numbers the places of a region: place 0 is Thurrock itself; the others take the next serials of
 * every synthetic code and their names say which place they are in.
 */
export function buildPlace(config: SynthConfig, rng: Rng, placeIndex = 0): Place {
  const label = `Place ${placeIndex + 1}`;
  const named = (name: string) =>
    placeIndex === 0
      ? name
      : name.includes("Thurrock")
        ? name.replace("Thurrock", label)
        : name.replace(" (synthetic)", `, ${label.toLowerCase()} (synthetic)`);
  const anyPostcode = (localityIndex: number) =>
    postcode(rng.pick(LOCALITIES[localityIndex].districts), rng.int(10), rng);

  const first = (kind: SyntheticOrgKind, name: string, locality = 0) =>
    org(syntheticOrgCode(kind, placeIndex + 1), named(name), anyPostcode(locality));
  const ccg = first("ccg", "Thurrock Clinical Commissioning Group (synthetic)");
  const council = first("council", "Thurrock Council Adult Social Care (synthetic)");
  const acute = first("acute", "Riverside University Hospitals NHS Trust (synthetic)");
  const community = first("community", "Estuary Community Health NHS Trust (synthetic)");
  const mentalHealth = first("mental-health", "Estuary Partnership Mental Health NHS Trust (synthetic)", 1);
  const ambulance = first("ambulance", "East Coast Ambulance Service NHS Trust (synthetic)");

  const localities: Locality[] = LOCALITIES.map((t, index) => ({
    index,
    code: syntheticOrgCode("locality", placeIndex * LOCALITIES.length + index + 1),
    name: placeIndex === 0 ? t.name : `${t.name}, ${label.toLowerCase()}`,
    districts: t.districts,
    postcode: anyPostcode(index),
  }));

  const totalSize = LOCALITIES.reduce((s, t) => s + t.practiceSizes.reduce((a, b) => a + b, 0), 0);
  const practiceNames = rng.shuffle([...PRACTICE_WORDS]);
  const practices: Practice[] = [];
  for (const t of LOCALITIES) {
    for (const size of t.practiceSizes) {
      const index = practices.length;
      const localityIndex = LOCALITIES.indexOf(t);
      practices.push({
        index,
        code: syntheticPracticeCode(placeIndex * PRACTICES_PER_PLACE + index + 1),
        name: named(`${practiceNames[index % practiceNames.length]} ${rng.pick(PRACTICE_KINDS)} (synthetic)`),
        localityIndex,
        listShare: size / totalSize,
        postcode: anyPostcode(localityIndex),
      });
    }
  }

  const areas: Area[] = [];
  const areasByLocality: Area[][] = [];
  for (const locality of localities) {
    const t = LOCALITIES[locality.index];
    const share = t.practiceSizes.reduce((a, b) => a + b, 0) / totalSize;
    const count = Math.max(3, Math.round((config.people * share) / PEOPLE_PER_AREA));
    const own: Area[] = [];
    for (let i = 0; i < count; i++) {
      const district = t.districts[i % t.districts.length];
      const sector = rng.int(10);
      const postcodes = new Set<string>();
      while (postcodes.size < POSTCODES_PER_AREA) postcodes.add(postcode(district, sector, rng));
      const n = areas.length + 1;
      const area: Area = {
        index: areas.length,
        weight: 1,
        code: `Z${String(placeIndex + 1).padStart(2, "0")}${String(n).padStart(6, "0")}`,
        name: `${locality.name} ${String(i + 1).padStart(3, "0")} (synthetic)`,
        localityIndex: locality.index,
        imdDecile: decileAtQuantile(t.decileShares, (i + 0.5) / count),
        postcodes: [...postcodes].sort(),
      };
      own.push(area);
      areas.push(area);
    }
    weightForDeprivation(own, t.decileShares[0] + t.decileShares[1]);
    areasByLocality.push(own);
  }

  const careHomeCount = careHomesPerPlace(config);
  const careHomeNames = rng.shuffle([...CARE_HOME_WORDS]);
  const careHomes: CareHome[] = [];
  for (let i = 0; i < careHomeCount; i++) {
    const localityIndex = rng.weightedIndex([0.38, 0.22, 0.22, 0.18]);
    const round = Math.floor(i / careHomeNames.length);
    careHomes.push({
      code: syntheticOrgCode("care-home", placeIndex * careHomeCount + i + 1),
      name: named(
        `${careHomeNames[i % careHomeNames.length]} ${CARE_HOME_KINDS[(i + round) % CARE_HOME_KINDS.length]}${round > 0 ? ` ${round + 1}` : ""} (synthetic)`,
      ),
      localityIndex,
      careType: i % 5 < 3 ? "residential" : "nursing",
      postcode: anyPostcode(localityIndex),
    });
  }

  const acuteMainSite: Site = {
    code: `${acute.code}01`,
    orgCode: acute.code,
    name: named("Riverside General Hospital (synthetic)"),
    postcode: acute.postcode,
  };
  const communitySiteByLocality: Site[] = localities.map((l) => ({
    code: `${community.code}0${l.index + 1}`,
    orgCode: community.code,
    name: `${l.name} Health Centre (synthetic)`,
    postcode: anyPostcode(l.index),
  }));
  const sites: Site[] = [
    acuteMainSite,
    {
      code: `${acute.code}02`,
      orgCode: acute.code,
      name: named("Marshside Community Hospital (synthetic)"),
      postcode: anyPostcode(0),
    },
    ...communitySiteByLocality,
    {
      code: `${mentalHealth.code}01`,
      orgCode: mentalHealth.code,
      name: named("Estuary Mental Health Unit (synthetic)"),
      postcode: mentalHealth.postcode,
    },
    {
      code: `${ambulance.code}01`,
      orgCode: ambulance.code,
      name: named("Grays Ambulance Station (synthetic)"),
      postcode: anyPostcode(0),
    },
    {
      code: `${council.code}01`,
      orgCode: council.code,
      name: named("Civic Offices (synthetic)"),
      postcode: council.postcode,
    },
  ];

  return {
    ccg,
    council,
    acute,
    community,
    mentalHealth,
    ambulance,
    localities,
    practices,
    areas,
    areasByLocality,
    careHomes,
    sites,
    acuteMainSite,
    communitySiteByLocality,
  };
}

/**
 * With few areas the deciles cannot follow the shares exactly, so the areas in deciles 1-2 are weighted to
 * hold exactly the locality's share of people in the most deprived fifth, at any population size.
 */
function weightForDeprivation(areas: Area[], deprivedShare: number): void {
  if (deprivedShare <= 0) return;
  let deprived = areas.filter((a) => a.imdDecile <= 2);
  if (deprived.length === 0) {
    areas[0].imdDecile = 2;
    deprived = [areas[0]];
  }
  const others = areas.length - deprived.length;
  for (const a of areas) {
    a.weight =
      a.imdDecile <= 2 ? deprivedShare / deprived.length : others > 0 ? (1 - deprivedShare) / others : 1;
  }
}

function decileAtQuantile(shares: readonly number[], q: number): number {
  let cumulative = 0;
  for (let d = 0; d < shares.length; d++) {
    cumulative += shares[d];
    if (q < cumulative) return d + 1;
  }
  return shares.length;
}
