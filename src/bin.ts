// The executable's entry (bin/kubectl-bluegreen loads the bundle of this file).
import { runProcess } from './main.js';

runProcess();
