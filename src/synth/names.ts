import type { Rng } from "../core/rng.ts";

// Name lists for synthetic people: common given and family names, combined at random, so no generated
// person is a real person's record. Given names depend on the decade of birth and the ethnic group.

type GivenNames = { female: readonly string[]; male: readonly string[] };

function words(s: string): readonly string[] {
  return s.split(/\s+/).filter((w) => w.length > 0);
}

const BRITISH_GIVEN_BY_ERA: readonly { bornBefore: number; names: GivenNames }[] = [
  {
    bornBefore: 1950,
    names: {
      female:
        words(`Margaret Patricia Barbara Jean Sheila Doreen Joan Brenda Pauline Maureen Dorothy Irene Edna
        Gladys Elsie Joyce Iris Vera Betty Mary Elizabeth Kathleen Eileen Audrey Valerie June Sylvia Marjorie Hilda Ivy`),
      male: words(`John William Robert George Albert Arthur Frederick Ronald Kenneth Dennis Leonard Harold Stanley
        Ernest Sidney Alfred Walter Raymond Roy Norman Derek Brian Peter Frank Eric Reginald Charles Thomas Edward Henry`),
    },
  },
  {
    bornBefore: 1980,
    names: {
      female:
        words(`Susan Karen Julie Tracey Joanne Donna Kelly Dawn Sharon Jacqueline Christine Linda Sandra Lisa
        Michelle Nicola Claire Deborah Alison Helen Sarah Amanda Angela Wendy Carol Lorraine Samantha Andrea Jane Elaine`),
      male: words(`David Paul Mark Andrew Stephen Richard Gary Steven Michael Ian Darren Lee Wayne Kevin Jason Craig
        Neil Martin Simon Anthony Christopher Dean Carl Russell Keith Graham Philip Shaun Trevor Colin`),
    },
  },
  {
    bornBefore: 9999,
    names: {
      female:
        words(`Olivia Emily Sophie Jessica Amelia Charlotte Lily Grace Chloe Ella Hannah Lucy Megan Holly Ruby
        Emma Laura Rebecca Hayley Gemma Amy Zoe Kirsty Jade Lauren Katie Bethany Abigail Mia Isabella`),
      male: words(`Oliver Jack Harry Charlie Thomas James Joshua Daniel Alfie Jacob Samuel Ryan Liam Connor Callum
        Luke Jordan Kieran Bradley Lewis Ethan Mason Noah George Leo Max Archie Joseph Tyler Jake`),
    },
  },
];

const BRITISH_FAMILY =
  words(`Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
  Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood Turner Martin Cooper Hill
  Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett
  Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Marshall
  Anderson Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Hunt Campbell Matthews Owen
  Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham
  Pearson Fletcher Walsh Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks
  West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton Watts Rose Booth Perry Ryan Grant Wells
  Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn
  Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird
  Gardner Tilley Pryor Kemp Sharp Cross Buckley Finch Nash Frost Chambers Horton Sutton Kirby Sims Goddard Ayres`);

const IRISH_FAMILY =
  words(`Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill Doyle McCarthy Gallagher
  Kennedy Lynch Murray Quinn Moore McLaughlin Carroll Connolly`);

const GROUPS: Record<string, { given: GivenNames | null; family: readonly string[] }> = {
  british: { given: null, family: BRITISH_FAMILY },
  irish: {
    given: {
      female: words(
        "Mary Bridget Siobhan Maureen Kathleen Catherine Aoife Niamh Ciara Sinead Margaret Eileen",
      ),
      male: words("Patrick Sean Michael John Kevin Brendan Declan Liam Ciaran Dermot Francis Thomas"),
    },
    family: IRISH_FAMILY,
  },
  "eastern-european": {
    given: {
      female:
        words(`Anna Katarzyna Agnieszka Magdalena Joanna Monika Ewa Marta Aleksandra Justyna Ieva Ruta Andreea
        Elena Ioana Maria`),
      male: words(`Piotr Tomasz Krzysztof Marcin Pawel Andrzej Jakub Mateusz Lukasz Michal Tomas Andrius Mindaugas
        Ionut Andrei Mihai Bogdan`),
    },
    family: words(`Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak
      Kazlauskas Jankauskas Petrauskas Popescu Ionescu Popa Stan Dumitru Ferreira Silva Santos`),
  },
  "south-asian": {
    given: {
      female:
        words(`Fatima Aisha Ayesha Priya Anjali Sunita Nisha Shabana Nazia Samina Sana Zara Simran Pooja Kiran
        Amrit Rukhsana Parveen Noor Maryam`),
      male: words(`Mohammed Ahmed Ali Hassan Imran Arjun Rahul Sanjay Vikram Amit Raj Gurpreet Sunil Ravi Abdul
        Tariq Zain Ayaan Rohan Harjit`),
    },
    family:
      words(`Patel Shah Singh Sharma Gupta Kumar Khan Ahmed Hussain Ali Akhtar Iqbal Rahman Uddin Miah Chowdhury
      Islam Mahmood Mistry Parmar Desai Joshi Begum`),
  },
  "black-african": {
    given: {
      female:
        words(`Adaeze Chioma Ngozi Funmilayo Folake Abena Ama Akosua Grace Blessing Esther Mercy Precious Faith
        Patience Chipo Nyasha Amina Halima Yewande`),
      male: words(`Oluwaseun Chukwuemeka Emeka Tunde Femi Kwame Kofi Yaw Ibrahim Samuel Daniel David Emmanuel Joseph
        Michael Tendai Tafadzwa Abdi Mohamed Babajide`),
    },
    family:
      words(`Okafor Adeyemi Okonkwo Adebayo Ogunleye Mensah Asante Owusu Boateng Osei Mohamed Abdi Hassan Nwosu
      Eze Afolabi Olawale Moyo Ncube Dlamini`),
  },
  caribbean: {
    given: null,
    family:
      words(`Campbell Brown Williams Clarke Thomas Johnson Grant Francis Henry Reid Morrison Richards Gordon
      Robinson Bailey`),
  },
  chinese: {
    given: {
      female: words("Mei Li Xin Yan Hui Ying Jing Lin Wen Fang"),
      male: words("Wei Jun Hao Ming Lei Jian Tao Kai Bo Cheng"),
    },
    family: words("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Lin Wong Chan Cheung Lau Ng"),
  },
  other: {
    given: {
      female: words("Leila Elif Maria Yasmin Ana Rosa Nadia Sara Dina Layla"),
      male: words("Ahmet Mehmet Omar Yusuf Jose Carlos Karim Samir Luis Emre"),
    },
    family: words("Yilmaz Kaya Demir Santos Reyes Cruz Haddad Nasser Garcia Lopez Mendes Aziz"),
  },
};

/** NHS Data Dictionary ethnic category letter to the name group used for that person. */
const GROUP_OF_ETHNIC_CATEGORY: Record<string, string> = {
  A: "british",
  B: "irish",
  C: "eastern-european",
  H: "south-asian",
  J: "south-asian",
  K: "south-asian",
  L: "south-asian",
  M: "caribbean",
  N: "black-african",
  P: "black-african",
  R: "chinese",
  S: "other",
};
const MIXED_GROUPS = ["caribbean", "black-african", "south-asian", "chinese"];

export interface PersonName {
  given: string;
  family: string;
}

function britishGiven(rng: Rng, female: boolean, birthYear: number): string {
  const era = BRITISH_GIVEN_BY_ERA.find((e) => birthYear < e.bornBefore) ?? BRITISH_GIVEN_BY_ERA[2];
  return rng.pick(female ? era.names.female : era.names.male);
}

export function pickName(rng: Rng, ethnicCategory: string, female: boolean, birthYear: number): PersonName {
  let group = GROUP_OF_ETHNIC_CATEGORY[ethnicCategory];
  if (!group) {
    // Mixed (D-G) and not stated (Z): a British given name with a family name from either side.
    group = rng.chance(0.5) ? "british" : rng.pick(MIXED_GROUPS);
    return { given: britishGiven(rng, female, birthYear), family: rng.pick(GROUPS[group].family) };
  }
  const names = GROUPS[group];
  // Younger people in most groups are often given names common in England.
  const given =
    names.given && !(birthYear >= 1985 && rng.chance(0.35))
      ? rng.pick(female ? names.given.female : names.given.male)
      : britishGiven(rng, female, birthYear);
  return { given, family: rng.pick(names.family) };
}

const NICKNAMES: Record<string, readonly string[]> = {
  William: ["Bill", "Billy", "Will"],
  Robert: ["Bob", "Rob", "Bobby"],
  Margaret: ["Peggy", "Maggie", "Maggy"],
  Elizabeth: ["Liz", "Beth", "Betty"],
  Susan: ["Sue", "Susie"],
  Patricia: ["Pat", "Patsy"],
  Christopher: ["Chris"],
  Michael: ["Mike", "Mick"],
  Anthony: ["Tony"],
  Stephen: ["Steve"],
  Steven: ["Steve"],
  Richard: ["Rich", "Dick"],
  James: ["Jim", "Jimmy"],
  Thomas: ["Tom", "Tommy"],
  Edward: ["Ted", "Eddie"],
  Kenneth: ["Ken", "Kenny"],
  Ronald: ["Ron", "Ronnie"],
  Frederick: ["Fred", "Freddie"],
  Alfred: ["Alf", "Alfie"],
  Albert: ["Bert", "Bertie"],
  Dorothy: ["Dot", "Dottie"],
  Jacqueline: ["Jackie"],
  Kathleen: ["Kath", "Kathy"],
  Deborah: ["Debbie", "Debs"],
  Samantha: ["Sam"],
  Samuel: ["Sam", "Sammy"],
  Daniel: ["Dan", "Danny"],
  Joseph: ["Joe", "Joey"],
  Rebecca: ["Becky", "Becca"],
  Nicola: ["Nicky", "Nikki"],
  Andrew: ["Andy", "Drew"],
  David: ["Dave", "Davy"],
  Peter: ["Pete"],
  Charles: ["Charlie", "Chas"],
  Henry: ["Harry", "Hal"],
  Raymond: ["Ray"],
  Leonard: ["Len", "Lenny"],
  Stanley: ["Stan"],
  Sidney: ["Sid"],
  Harold: ["Harry", "Hal"],
  Barbara: ["Barbie", "Babs"],
  Christine: ["Chris", "Chrissie"],
  Jennifer: ["Jenny", "Jen"],
  Victoria: ["Vicky", "Tori"],
  Gemma: ["Gem"],
  Mohammed: ["Mohamed", "Muhammad", "Mohammad"],
  Mohamed: ["Mohammed", "Muhammad"],
  Oluwaseun: ["Seun"],
  Chukwuemeka: ["Emeka"],
  Katarzyna: ["Kasia"],
  Aleksandra: ["Ola"],
};

const VOWELS = "aeiou";

/** A plausible keying slip: a doubled or undoubled letter, two letters swapped, or one vowel changed. */
export function misspell(name: string, rng: Rng): string {
  if (name.length < 3) return `${name}${name[name.length - 1]}`;
  for (let attempt = 0; attempt < 8; attempt++) {
    const kind = rng.int(4);
    const i = 1 + rng.int(name.length - 2);
    let out = name;
    if (kind === 0) out = name.slice(0, i) + name[i] + name.slice(i);
    else if (kind === 1 && name[i] === name[i + 1]) out = name.slice(0, i) + name.slice(i + 1);
    else if (kind === 2 && name[i] !== name[i + 1] && /[a-z]/.test(name[i + 1] ?? "")) {
      out = name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
    } else if (kind === 3 && VOWELS.includes(name[i])) {
      const other = VOWELS.replace(name[i], "");
      out = name.slice(0, i) + other[rng.int(other.length)] + name.slice(i + 1);
    }
    if (out !== name) return out;
  }
  return name.slice(0, -1) + name[name.length - 1] + name[name.length - 1];
}

/** How another system may hold the same name: a nickname, a misspelling, or given and family swapped. */
export function nameVariant(name: PersonName, rng: Rng): PersonName {
  const roll = rng.next();
  const nicknames = NICKNAMES[name.given];
  if (nicknames && roll < 0.45) return { given: rng.pick(nicknames), family: name.family };
  if (roll < 0.85) {
    return rng.chance(0.6)
      ? { given: name.given, family: misspell(name.family, rng) }
      : { given: misspell(name.given, rng), family: name.family };
  }
  return { given: name.family, family: name.given };
}
