import { ArrayMinSize } from 'class-validator';

/** A list that must hold an item, said in words (class-validator's own: "at least 1 elements"). */
export const NonEmptyList = (): PropertyDecorator =>
  ArrayMinSize(1, { message: '$property must hold at least one item' });
