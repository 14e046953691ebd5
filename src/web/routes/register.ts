// The practice register of the user's team, filtered person by person (for the MDT), through the reader.
import type { FastifyInstance } from "fastify";

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  app.get("/api/register", async (request, reply) => {
    const { people, withheld } = await request.reader.register();
    // The count of people withheld, never who they are.
    reply.header("x-oneplace-withheld", String(withheld));
    return people.map((p) => ({
      personId: p.personId,
      nhsNumber: p.nhsNumber,
      name: p.name,
      birthDate: p.birthDate,
    }));
  });
}
