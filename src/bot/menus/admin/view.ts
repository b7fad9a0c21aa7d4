/** Moved to the bot toolkit (`kit/`); kept for the payments screens until their rework lands. */
import type { Screen } from '../../kit/screen.ts';

export { confirmScreen as confirmView } from '../../kit/screen.ts';
export { esc, type Translator } from '../../kit/text.ts';
export type View = Screen;
