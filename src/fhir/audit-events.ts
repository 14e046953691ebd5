// AuditEvent for the IG officer: who looked at a person (patient=) or what a user did (altid=<username>), from
// the audit trail through the governed reader's IG reads, which refuse (and audit) any role that may not read
// the audit trail. Rows become AuditEvent with governance's own mapping (toFhirAuditEvent), newest first,
// IG_PAGE_SIZE a page (_page, from 1).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createReader, IG_PAGE_SIZE, toFhirAuditEvent } from "../governance/index.ts";
import type { Db } from "../store/index.ts";
import { badRequest } from "./outcome.ts";
import { patientIdOf, type Query, single } from "./search-params.ts";

export const AUDIT_EVENT_PARAMS = {
  patient: "the person the accesses were to (Patient/<id>): who looked at them",
  altid: "the username of the user who acted: what they looked at",
} as const;

export interface AuditEventRouteHelpers {
  base(request: FastifyRequest): string;
  contextOf(request: FastifyRequest): Parameters<typeof createReader>[1];
  requireScope(request: FastifyRequest): Promise<void>;
  send(reply: FastifyReply, body: unknown): FastifyReply;
}

function pageOf(query: Query): number {
  const raw = single(query, "_page") ?? "1";
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw badRequest("_page must be a whole number from 1");
  return Number(raw);
}

export function auditEventRoute(app: FastifyInstance, db: Db, helpers: AuditEventRouteHelpers) {
  const stringParam = { type: "string", maxLength: 200 };
  app.get(
    "/fhir/R4/AuditEvent",
    {
      config: { ownAuth: true },
      schema: {
        querystring: {
          type: "object",
          properties: { patient: stringParam, altid: stringParam, _page: stringParam, _format: stringParam },
        },
      },
    },
    async (request, reply) => {
      await helpers.requireScope(request);
      const query = request.query as Query;
      const patient = single(query, "patient");
      const altid = single(query, "altid");
      if ((patient === undefined) === (altid === undefined)) {
        throw badRequest("an AuditEvent search names either patient or altid (a username)");
      }
      const page = pageOf(query);
      const reader = createReader(db, helpers.contextOf(request));
      const { events } = patient
        ? await reader.auditForPerson({ personId: patientIdOf("patient", patient) }, { page })
        : await reader.auditForUser(altid as string, { page });
      const base = helpers.base(request);
      const self = new URLSearchParams(patient ? { patient } : { altid: altid as string });
      const link = (relation: string, at: number) => ({
        relation,
        url: `${base}/AuditEvent?${self.toString()}${at > 1 ? `&_page=${at}` : ""}`,
      });
      const links = [link("self", page)];
      if (page * IG_PAGE_SIZE < events.total) links.push(link("next", page + 1));
      if (page > 1) links.push(link("previous", page - 1));
      return helpers.send(reply, {
        resourceType: "Bundle",
        type: "searchset",
        total: events.total,
        link: links,
        entry: events.rows.map((row) => {
          const resource = toFhirAuditEvent(row);
          return { fullUrl: `${base}/AuditEvent/${resource.id}`, resource, search: { mode: "match" } };
        }),
      });
    },
  );
}
