import { firefoxWalk } from './firefox-walk';

firefoxWalk(0);
