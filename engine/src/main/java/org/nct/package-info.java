/**
 * The engine's exception types: {@link org.nct.NctException} and its subclass
 * {@link org.nct.InvalidInputException} for input the engine refuses, and its subclass
 * {@link org.nct.InvalidSettingException} for a refused setting, which lists the parameter names its
 * message uses. Messages name parameters and things, never a front end's options.
 */
package org.nct;
