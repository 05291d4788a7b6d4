//! Mapping positions and ranges through later edits (helix's `map_pos` idea).
//!
//! A model's answer is computed against the text as it was when the request started; by the
//! time it arrives the user may have typed. The edits recorded since then carry the answer's
//! range over that typing, or say that the typing touched it, in which case applying it would
//! overwrite the user's work. Review diagnostics shift the same way.

/// One replacement, in char offsets of the text as it was just before it: the chars
/// `start..old_end` became the chars `start..new_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Edit {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl Edit {
    fn is_insertion(&self) -> bool {
        self.start == self.old_end
    }

    /// Moves an offset that lies after this edit's replaced text.
    fn shift(&self, pos: usize) -> usize {
        // Written so that neither side can underflow: pos >= old_end here.
        pos - self.old_end + self.new_end
    }
}

/// Which side an offset sticks to when text is inserted exactly at it, or when the text
/// around it is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bias {
    /// Stay before the inserted text.
    Before,
    /// Move after the inserted text.
    After,
}

/// Maps a char offset through `edits`, applied in order.
///
/// An offset strictly inside replaced text goes to the start (`Before`) or the end (`After`)
/// of its replacement. O(number of edits).
pub fn map_pos(edits: &[Edit], mut pos: usize, bias: Bias) -> usize {
    for edit in edits {
        pos = map_one(edit, pos, bias);
    }
    pos
}

fn map_one(edit: &Edit, pos: usize, bias: Bias) -> usize {
    if pos < edit.start {
        pos
    } else if pos > edit.old_end {
        edit.shift(pos)
    } else if edit.is_insertion() || (pos > edit.start && pos < edit.old_end) {
        match bias {
            Bias::Before => edit.start,
            Bias::After => edit.new_end,
        }
    } else if pos == edit.start {
        // The start of a replaced run: the text before it did not change.
        edit.start
    } else {
        // pos == old_end of a replaced run: the text after it did not change.
        edit.new_end
    }
}

/// A later edit touched the range being mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the text at chars {start}..{end} was changed at chars {}..{}", edit.start, edit.old_end)]
pub struct Overlap {
    /// The range as it stood when the edit touched it.
    pub start: usize,
    pub end: usize,
    pub edit: Edit,
}

/// Maps a char range through `edits`, applied in order, or says which edit touched it.
///
/// An edit touches a non-empty range when it replaces any char inside it or inserts strictly
/// inside it; typing right before or right after the range moves it instead. An empty range
/// (an insertion point) is touched only by a replacement that strictly contains it, and
/// follows text inserted at it. O(number of edits).
///
/// # Errors
/// [`Overlap`], naming the first edit that touched the range.
pub fn map_range(
    edits: &[Edit],
    range: std::ops::Range<usize>,
) -> Result<std::ops::Range<usize>, Overlap> {
    let (mut start, mut end) = (range.start, range.end.max(range.start));
    for edit in edits {
        let touches = if start == end {
            edit.start < start && start < edit.old_end
        } else if edit.is_insertion() {
            start < edit.start && edit.start < end
        } else {
            edit.start < end && start < edit.old_end
        };
        if touches {
            return Err(Overlap {
                start,
                end,
                edit: *edit,
            });
        }
        if start == end {
            start = map_one(edit, start, Bias::After);
            end = start;
        } else {
            start = map_one(edit, start, Bias::After);
            end = map_one(edit, end, Bias::Before);
        }
    }
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(at: usize, len: usize) -> Edit {
        Edit {
            start: at,
            old_end: at,
            new_end: at + len,
        }
    }

    fn del(start: usize, end: usize) -> Edit {
        Edit {
            start,
            old_end: end,
            new_end: start,
        }
    }

    #[test]
    fn insertion_before_moves_positions_after_it() {
        assert_eq!(map_pos(&[ins(2, 3)], 5, Bias::Before), 8);
        assert_eq!(map_pos(&[ins(2, 3)], 1, Bias::After), 1);
    }

    #[test]
    fn insertion_at_a_position_follows_the_bias() {
        assert_eq!(map_pos(&[ins(4, 2)], 4, Bias::Before), 4);
        assert_eq!(map_pos(&[ins(4, 2)], 4, Bias::After), 6);
    }

    #[test]
    fn positions_inside_deleted_text_collapse_to_its_start() {
        assert_eq!(map_pos(&[del(2, 6)], 4, Bias::Before), 2);
        assert_eq!(map_pos(&[del(2, 6)], 4, Bias::After), 2);
        assert_eq!(map_pos(&[del(2, 6)], 6, Bias::Before), 2);
        assert_eq!(map_pos(&[del(2, 6)], 9, Bias::Before), 5);
    }

    #[test]
    fn replacement_edges_stay_with_unchanged_text() {
        let replace = Edit {
            start: 2,
            old_end: 4,
            new_end: 7,
        };
        assert_eq!(map_pos(&[replace], 2, Bias::After), 2);
        assert_eq!(map_pos(&[replace], 4, Bias::Before), 7);
        assert_eq!(map_pos(&[replace], 3, Bias::Before), 2);
        assert_eq!(map_pos(&[replace], 3, Bias::After), 7);
    }

    #[test]
    fn edits_apply_in_order() {
        // Insert 3 at 0, then delete the 2 chars at 5..7 of the new text.
        assert_eq!(map_pos(&[ins(0, 3), del(5, 7)], 10, Bias::Before), 11);
    }

    #[test]
    fn typing_above_a_range_moves_it() {
        assert_eq!(map_range(&[ins(0, 5)], 10..20), Ok(15..25));
        assert_eq!(map_range(&[del(0, 5)], 10..20), Ok(5..15));
    }

    #[test]
    fn typing_at_either_edge_moves_it_without_growing_it() {
        assert_eq!(map_range(&[ins(10, 2)], 10..20), Ok(12..22));
        assert_eq!(map_range(&[ins(20, 2)], 10..20), Ok(10..20));
    }

    #[test]
    fn typing_inside_a_range_is_an_overlap() {
        let err = map_range(&[ins(0, 1), ins(15, 1)], 10..20).unwrap_err();
        assert_eq!((err.start, err.end), (11, 21));
        assert!(map_range(&[del(5, 11)], 10..20).is_err());
        assert!(map_range(&[del(19, 25)], 10..20).is_err());
    }

    #[test]
    fn deleting_right_up_to_a_range_is_no_overlap() {
        assert_eq!(map_range(&[del(5, 10)], 10..20), Ok(5..15));
        assert_eq!(map_range(&[del(20, 30)], 10..20), Ok(10..20));
    }

    #[test]
    fn empty_ranges_follow_insertions_and_die_inside_replacements() {
        assert_eq!(map_range(&[ins(4, 2)], 4..4), Ok(6..6));
        assert!(map_range(&[del(2, 6)], 4..4).is_err());
        assert_eq!(map_range(&[del(2, 4)], 4..4), Ok(2..2));
    }

    #[test]
    fn reversed_input_range_is_treated_as_empty() {
        #[allow(clippy::reversed_empty_ranges)] // reason: a reversed range is the input under test
        let reversed = 7..3;
        assert_eq!(map_range(&[], reversed), Ok(7..7));
    }
}
