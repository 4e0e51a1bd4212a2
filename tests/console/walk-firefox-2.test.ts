import { firefoxWalk } from './firefox-walk';

firefoxWalk(1);
