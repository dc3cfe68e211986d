import type {Story} from '../view-model.js';
import {wrap} from '../text.js';

type Line = {text: string; head?: boolean};

/** The scenario's story as lines for the overlay: what it is, where from, what to press, what to watch. */
export function storyLines(story: Story, width: number): Line[] {
	const w = width - 1;
	const para = (text: string): string[] => text.split('\n').flatMap((p) => wrap(p, w, ''));
	const out: Line[] = [{text: `${story.name}: the story (any key closes this)`, head: true}, {text: ''}, ...para(story.description).map((text) => ({text}))];
	if (story.source) out.push({text: ''}, ...wrap(`From: ${story.source}`, w).map((text) => ({text})));
	const tour = story.tour;
	if (tour) {
		if (tour.press.length > 0) {
			out.push({text: ''}, {text: 'What to press', head: true});
			for (const p of tour.press) out.push(...wrap(`${p.key.padEnd(7)} ${p.why}`, w, '        ').map((text) => ({text})));
		}
		if (tour.watch.length > 0) {
			out.push({text: ''}, {text: 'What to watch for', head: true});
			for (const line of tour.watch) out.push(...wrap(`- ${line}`, w).map((text) => ({text})));
		}
	}
	return out;
}

