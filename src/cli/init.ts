import type { RegisterCommand } from "./command.js";

export const register: RegisterCommand = () => {};
