import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { buildAck, HL7_ERROR, readAck } from "../../src/ingest/hl7/ack.ts";
import {
  AdtRejection,
  readHeader,
  readPatient,
  readVisit,
  UnsupportedEvent,
} from "../../src/ingest/hl7/adt.ts";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import {
  type Delimiters,
  encodeMessage,
  encodeSegment,
  escapeValue,
  Hl7ParseError,
  messageContent,
  parseHl7Date,
  parseHl7Timestamp,
  parseMessage,
  repetitions,
  segment,
  unescapeValue,
  value,
} from "../../src/ingest/hl7/message.ts";
import { splitMessages } from "../../src/ingest/hl7/split.ts";
import { foldVisit, type VisitEventRow } from "../../src/ingest/hl7/visits.ts";

const SEPARATOR_CHARS = [..."|^~\\&#!$%*@`+=;"];

const delimitersArb: fc.Arbitrary<Delimiters> = fc
  .shuffledSubarray(SEPARATOR_CHARS, { minLength: 5, maxLength: 5 })
  .map(([field, component, repetition, escapeChar, subcomponent]) => ({
    field,
    component,
    repetition,
    escape: escapeChar,
    subcomponent,
  }));

// Any text, including delimiter characters, escapes and line breaks.
const textArb = fc.string({ unit: fc.constantFrom(..."abcXYZ 019|^~\\&#!$%*@`+=;\r\n.é"), maxLength: 12 });

test("a value escaped with any delimiters unescapes to itself", () => {
  fc.assert(
    fc.property(delimitersArb, textArb, (d, v) => {
      const escaped = escapeValue(v, d);
      for (const c of [d.field, d.component, d.repetition, d.subcomponent, "\r", "\n"]) {
        assert.ok(!escaped.includes(c), `escaped value still contains ${JSON.stringify(c)}`);
      }
      assert.equal(unescapeValue(escaped, d), v);
    }),
    { numRuns: 500 },
  );
});

test("segments encoded with the delimiters declared in MSH parse back to the same values", () => {
  const fieldArb = fc.array(
    fc.array(fc.array(textArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    {
      minLength: 1,
      maxLength: 3,
    },
  );
  fc.assert(
    fc.property(delimitersArb, fc.array(fieldArb, { minLength: 1, maxLength: 6 }), (d, fields) => {
      const msh = encodeSegment(
        "MSH",
        ["APP", "FAC", "", "", "20140101000000", "", ["ADT", "A01"], "c1", "P", "2.5"],
        d,
      );
      const zxx = encodeSegment(
        "ZXX",
        fields.map((reps) => ({ repeat: reps })),
        d,
      );
      const m = parseMessage(encodeMessage([msh, zxx]));
      assert.deepEqual(m.delimiters, d);
      assert.equal(value(segment(m, "MSH"), 9, 2), "A01");
      assert.equal(value(segment(m, "MSH"), 10), "c1");
      const z = segment(m, "ZXX");
      fields.forEach((reps, fi) => {
        reps.forEach((comps, ri) => {
          comps.forEach((subs, ci) => {
            subs.forEach((sub, si) => {
              // Trailing empty fields are dropped by the encoder: they read back as "".
              assert.equal(value(z, fi + 1, ci + 1, si + 1, ri + 1), sub);
            });
          });
        });
      });
    }),
    { numRuns: 300 },
  );
});

test("random and mutated input never crashes the parser: it parses or says why not", () => {
  const good = buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId: "m1",
    trigger: "A01",
    messageTime: "2014-01-01T10:00:00Z",
    patient: {
      recordId: "RH1",
      authority: "ZZA01",
      family: "Smith",
      given: "Ann",
      birthDate: "1950-01-02",
      sex: "female",
    },
    visit: {
      visitNumber: "v1",
      patientClass: "I",
      ward: "W1",
      admissionType: "21",
      admitAt: "2014-01-01T09:00:00Z",
    },
  });
  const mutated = fc
    .tuple(fc.nat(good.length), fc.nat(40), fc.string({ maxLength: 8 }))
    .map(([at, cut, insert]) => good.slice(0, at) + insert + good.slice(Math.min(good.length, at + cut)));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), (text) => {
      try {
        const m = parseMessage(text);
        // Whatever parsed, the ADT readers accept it, say it is an ADT event OnePlace does not use (acknowledged
        // and counted), or reject it with an HL7 error code.
        try {
          const h = readHeader(m);
          readPatient(m, h.sourceSystem, h.providerCode, h.messageTime);
          readVisit(m, h.trigger, h.providerCode, () => "general");
        } catch (error) {
          if (error instanceof UnsupportedEvent) {
            assert.match(error.messageType, /^ADT\^/);
            return;
          }
          assert.ok(error instanceof AdtRejection, String(error));
          assert.match(error.error.condition.code, /^\d{3}$/);
        }
      } catch (error) {
        if (!(error instanceof Hl7ParseError)) throw error;
      }
    }),
    { numRuns: 1000 },
  );
});

test("MSH-1 and MSH-2 are read literally and the rest by the declared separators", () => {
  const m = parseMessage(
    "MSH#$%@*#APP#FAC#####ADT$A01#id-1#P#2.3\rPID###X1*a*b$$$AUTH$MR%Y2$$$NHS$NH##Doe$Jo@S@x\r",
  );
  assert.equal(m.delimiters.field, "#");
  assert.equal(value(segment(m, "MSH"), 1), "#");
  assert.equal(value(segment(m, "MSH"), 2), "$%@*");
  assert.equal(value(segment(m, "MSH"), 9, 2), "A01");
  const pid = segment(m, "PID");
  assert.equal(value(pid, 3, 1, 2), "a");
  assert.equal(value(pid, 3, 1, 3), "b");
  assert.equal(repetitions(pid, 3).length, 2);
  assert.equal(value(pid, 3, 5, 1, 2), "NH");
  assert.equal(value(pid, 3, 4), "AUTH");
  assert.equal(value(pid, 5, 2), "Jo$x");
});

test("escape sequences, hex escapes, line breaks, trailing empty fields and Z-segments", () => {
  const m = parseMessage(
    "MSH|^~\\&|APP|FAC|||20140101||ADT^A01|1|P|2.5|||\nNTE|1||O\\F\\Brien \\S\\ \\T\\ \\R\\ \\E\\ \\X41\\ \\.br\\end\\H\\bold\\N\\|||\r\nZPI|custom^data~more\r\n",
  );
  const nte = segment(m, "NTE");
  assert.equal(value(nte, 3), "O|Brien ^ & ~ \\ A \nendbold");
  assert.equal(value(segment(m, "ZPI"), 1, 2), "data");
  assert.equal(value(segment(m, "ZPI"), 1, 1, 1, 2), "more");
  assert.equal(value(nte, 9), "");
});

test("what is not a message is refused with a reason", () => {
  assert.throws(() => parseMessage(""), Hl7ParseError);
  assert.throws(() => parseMessage("PID|1"), /does not start with an MSH/);
  assert.throws(() => parseMessage("MSH|^~|X"), /four encoding characters/);
  assert.throws(() => parseMessage("MSH|^^\\&|X"), /repeated/);
  assert.throws(() => parseMessage("MSH|^~\\&|A\rpid|x"), /segment name/);
});

test("HL7 timestamps and dates", () => {
  assert.equal(parseHl7Timestamp("20140305101500+0000"), "2014-03-05T10:15:00Z");
  assert.equal(parseHl7Timestamp("201403051015+0100"), "2014-03-05T09:15:00Z");
  assert.equal(parseHl7Timestamp("20140305"), "2014-03-05T00:00:00Z");
  assert.equal(parseHl7Timestamp("20140230"), null);
  assert.equal(parseHl7Timestamp("2014-03-05"), null);
  assert.equal(parseHl7Date("19500102"), "1950-01-02");
  assert.equal(parseHl7Date("19500230"), null);
});

test("a time sent without an offset is English local time, across both clock changes", () => {
  assert.equal(parseHl7Timestamp("20140305101500"), "2014-03-05T10:15:00Z", "winter: GMT");
  assert.equal(parseHl7Timestamp("20140705101500"), "2014-07-05T09:15:00Z", "summer: BST, an hour ahead");
  assert.equal(parseHl7Timestamp("20140705233000"), "2014-07-05T22:30:00Z", "late evening stays on its day");
  assert.equal(parseHl7Timestamp("20140705"), "2014-07-04T23:00:00Z", "a summer date is its local midnight");
  // 30 March 2014: 01:00 GMT became 02:00 BST; 01:30 never showed on a clock that was changed.
  assert.equal(parseHl7Timestamp("20140330003000"), "2014-03-30T00:30:00Z");
  assert.equal(parseHl7Timestamp("20140330013000"), "2014-03-30T01:30:00Z");
  assert.equal(parseHl7Timestamp("20140330023000"), "2014-03-30T01:30:00Z");
  // 26 October 2014: 02:00 BST became 01:00 GMT; 01:30 happened twice, and the first is taken.
  assert.equal(parseHl7Timestamp("20141026003000"), "2014-10-25T23:30:00Z");
  assert.equal(parseHl7Timestamp("20141026013000"), "2014-10-26T00:30:00Z");
  assert.equal(parseHl7Timestamp("20141026023000"), "2014-10-26T02:30:00Z");
  assert.equal(parseHl7Timestamp("20140705101500+0000"), "2014-07-05T10:15:00Z", "an offset given is used");
});

test("an ACK echoes the control id, and AE/AR carry an ERR segment with the HL7 error code and where", () => {
  const original = parseMessage(
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: "ctl-9",
      trigger: "A03",
      messageTime: "2014-01-01T10:00:00Z",
      patient: { recordId: "RH1", authority: "ZZA01" },
    }),
  );
  const aa = parseMessage(buildAck({ code: "AA", original }));
  assert.deepEqual(readAck(aa), { code: "AA", controlId: "ctl-9", errorCode: "", errorText: "" });
  assert.equal(value(segment(aa, "MSH"), 9, 2), "A03");
  assert.equal(value(segment(aa, "MSH"), 5), "acute-pas");
  const ae = parseMessage(
    buildAck({
      code: "AE",
      original,
      error: {
        condition: HL7_ERROR.requiredFieldMissing,
        message: "PID-7 (date of birth) is required",
        location: { segment: "PID", field: 7 },
      },
    }),
  );
  const read = readAck(ae);
  assert.equal(read.code, "AE");
  assert.equal(read.errorCode, "101");
  assert.equal(read.errorText, "PID-7 (date of birth) is required");
  assert.equal(value(segment(ae, "ERR"), 2, 1), "PID");
  assert.equal(value(segment(ae, "ERR"), 2, 3), "7");
  assert.equal(value(segment(ae, "ERR"), 4), "E");
});

test("batch files split at each MSH, with or without the FHS/BHS envelope, and MLLP-framed", () => {
  const a = "MSH|^~\\&|A|B|||20140101||ADT^A01|1|P|2.5\rPID|1\r";
  const b = "MSH|^~\\&|A|B|||20140101||ADT^A02|2|P|2.5\rPID|2\r";
  const plain = Buffer.from(`FHS|^~\\&\nBHS|^~\\&\n${a.replaceAll("\r", "\r\n")}${b}BTS|2\nFTS|1\n`);
  assert.deepEqual(splitMessages(plain), [a, b]);
  const framed = Buffer.concat([
    Buffer.from([0x0b]),
    Buffer.from(a),
    Buffer.from([0x1c, 0x0d, 0x0b]),
    Buffer.from(b),
    Buffer.from([0x1c, 0x0d]),
  ]);
  assert.deepEqual(splitMessages(framed), [a, b]);
});

// The fold: whatever order a visit's events arrive in, the rows follow the order the sender made them.
const admit: VisitEventRow = {
  controlId: "w1",
  trigger: "A01",
  messageTime: "2014-01-01T10:00:04.000Z",
  recordId: "RH1",
  detail: {
    patientClass: "I",
    providerCode: "ZZA01",
    ward: "AMU",
    wardKind: "assessment",
    admissionMethod: "emergency",
    admitAt: "2014-01-01T10:00:00.000Z",
  },
};
const transfer: VisitEventRow = {
  controlId: "w2",
  trigger: "A02",
  messageTime: "2014-01-02T10:00:06.000Z",
  recordId: "RH1",
  detail: {
    patientClass: "I",
    providerCode: "ZZA01",
    ward: "GEN1",
    wardKind: "general",
    eventAt: "2014-01-02T10:00:00.000Z",
  },
};
const discharge: VisitEventRow = {
  controlId: "d1",
  trigger: "A03",
  messageTime: "2014-01-05T10:00:04.000Z",
  recordId: "RH1",
  detail: {
    patientClass: "I",
    providerCode: "ZZA01",
    dischargeAt: "2014-01-05T10:00:00.000Z",
    dischargeMethod: "discharged",
    destination: "19",
  },
};

test("a visit folds to the same rows whatever order its events arrive in, and repeats count once", () => {
  const expected = foldVisit([admit, transfer, discharge]);
  assert.equal(expected?.kind, "spell");
  fc.assert(
    fc.property(
      fc.shuffledSubarray([admit, transfer, discharge, admit, discharge], { minLength: 5, maxLength: 5 }),
      (events) => {
        assert.deepEqual(foldVisit(events), expected);
      },
    ),
  );
  if (expected?.kind !== "spell") return;
  assert.deepEqual(
    expected.wards.map((w) => [w.ward, w.startedAt, w.endedAt]),
    [
      ["AMU", "2014-01-01T10:00:00.000Z", "2014-01-02T10:00:00.000Z"],
      ["GEN1", "2014-01-02T10:00:00.000Z", "2014-01-05T10:00:00.000Z"],
    ],
  );
});

test("cancellations undo what they cancel; a discharge without its admission is held", () => {
  const at = (t: string) => `2014-01-0${t}.000Z`;
  assert.equal(foldVisit([discharge]), null);
  assert.equal(
    foldVisit([admit, { ...admit, controlId: "x", trigger: "A11", messageTime: at("1T11:00:00") }]),
    null,
  );
  const undone = foldVisit([
    admit,
    transfer,
    { ...transfer, controlId: "c12", trigger: "A12", messageTime: at("2T11:00:00") },
  ]);
  assert.equal(undone?.kind === "spell" && undone.wards.length, 1);
  const reopened = foldVisit([
    admit,
    discharge,
    { ...discharge, controlId: "c13", trigger: "A13", messageTime: at("5T11:00:00") },
  ]);
  assert.ok(
    reopened?.kind === "spell" && reopened.dischargedAt === null && reopened.wards[0].endedAt === null,
  );
  // An admission re-sent after its cancellation stands again.
  const again = foldVisit([
    admit,
    { ...admit, controlId: "x", trigger: "A11", messageTime: at("1T11:00:00") },
    { ...admit, controlId: "y", messageTime: at("1T12:00:00") },
  ]);
  assert.equal(again?.kind, "spell");
});

test("a message's content is exactly the JSON of its values without trailing empties, as stored hashes were made of it", () => {
  // Messages stored before are told from their duplicates by the hash of this text: it must never change.
  const message =
    "MSH|^~\\&|PAS|RX1|ONEPLACE|ONEPLACE|20140601100000+0100||ADT^A01|C1|P|2.4|||AL|NE||8859/1\rPID|1||X1^^^RX1^MR~~9434765919^^^NHS^NH||O\\S\\BRIEN^ANN^^^||19500101|F|||^^^^RM17 6VA^^|||\rPV1|1|I|AMU^^^RX1|||||||300||||||||V1|||||||||||||||||||||||||20140601093000+0100\rZXX|a&&|~|^";
  assert.equal(
    messageContent(parseMessage(message)),
    '[[[[["MSH"]]],[],[],[[["PAS"]]],[[["RX1"]]],[[["ONEPLACE"]]],[[["ONEPLACE"]]],[],[],[[["ADT"],["A01"]]],[[["C1"]]],[[["P"]]],[[["2.4"]]],[],[],[[["AL"]]],[[["NE"]]]],[[[["PID"]]],[[["1"]]],[],[[["X1"],[],[],["RX1"],["MR"]],[],[["9434765919"],[],[],["NHS"],["NH"]]],[],[[["O^BRIEN"],["ANN"]]],[],[[["19500101"]]],[[["F"]]],[],[],[[[],[],[],[],["RM17 6VA"]]]],[[[["PV1"]]],[[["1"]]],[[["I"]]],[[["AMU"],[],[],["RX1"]]],[],[],[],[],[],[],[[["300"]]],[],[],[],[],[],[],[],[[["V1"]]],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[[["20140601093000+0100"]]]],[[[["ZXX"]]],[[["a"]]]]]',
  );
});

test("a message's content, which tells duplicates, ignores delimiters, sending time, charset and trailing separators but no value", () => {
  const base =
    "MSH|^~\\&|PAS|RX1|OP|OP|20240101100000||ADT^A28|7|P|2.4\rPID|1||RX1^^^RX1^MR||SMITH^ANN||19500101|F";
  const same = [
    base.replace("20240101100000", "20240101100507"),
    base.replaceAll("\r", "\n"),
    `${base}|||^`,
    base.replace("SMITH", "\\X534D\\ITH"),
    `${base.replace("P|2.4", "P|2.4||||||UNICODE UTF-8")}`,
    base.replaceAll("^", "#"),
  ];
  const content = messageContent(parseMessage(base));
  for (const m of same) assert.equal(messageContent(parseMessage(m)), content, m);
  for (const m of [
    base.replace("SMITH", "SMYTH"),
    base.replace("|F", "|M"),
    base.replace("|7|", "|8|"),
    base.replace("SMITH^ANN", "SMITH^^ANN"),
    `${base}\rPV1|1|I`,
  ])
    assert.notEqual(messageContent(parseMessage(m)), content, m);
});
