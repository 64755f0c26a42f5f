/**
 * The engine's exception types: {@link org.nct.NctException} and its subclass
 * {@link org.nct.InvalidInputException} for input the engine refuses.
 */
package org.nct;
