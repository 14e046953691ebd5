// Everything the quarterly Health and Wellbeing Board report shows: every input loaded once from the
// database (board-inputs.ts), then assembled by pure functions (board-assemble.ts).
import type { Db } from "../../store/index.ts";
import { assembleBoard } from "./board-assemble.ts";
import { loadBoardInputs } from "./board-inputs.ts";
import type { BoardData, BoardOptions } from "./board-types.ts";

export { BOARD_METRICS, OTHER_MEASURES } from "./board-periods.ts";
export type {
  BoardData,
  BoardMetric,
  BoardOptions,
  PaymentRow,
  PaymentTarget,
  SchemeSpend,
  SeriesPoint,
  SpendSection,
} from "./board-types.ts";

export async function boardData(db: Db, options: BoardOptions): Promise<BoardData> {
  return assembleBoard(await loadBoardInputs(db, options), options);
}
