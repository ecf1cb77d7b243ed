export interface AmiServer { port: number; close(): Promise<void> }
import type { Engine } from './engine.js';
export async function startAmi(_e: Engine, _o: { port: number; host: string; user: string; secret: string }): Promise<AmiServer | null> { return null; }
